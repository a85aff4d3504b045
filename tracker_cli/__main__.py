"""``python -m tracker_cli``: the same as the ``sk-tracker`` console script."""

from tracker_cli.main import run

if __name__ == "__main__":
    run()
