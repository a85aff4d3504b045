"""Suite-wide pytest configuration: shared fixtures live in tests/support/."""

pytest_plugins = ["tests.support.host", "tests.support.person", "tests.support.postgres"]
