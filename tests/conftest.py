"""Suite-wide pytest configuration: shared fixtures live in tests/support/."""

import signal

pytest_plugins = ["tests.support.host", "tests.support.person", "tests.support.postgres"]

# A suite started in the background by a shell without job control (`(make test &)`)
# ignores Ctrl-C, and so would every server it starts: the tests that stop servers
# with Ctrl-C need it back.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
