"""``python -m app``: the command-line interface (see :mod:`app.cli`)."""

from app.cli import main

if __name__ == "__main__":
    main()
