"""tracker_core: see and fix tracker bindings of spec-kitty projects."""
