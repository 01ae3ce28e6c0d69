"""``python -m crmlens`` is the ``crmlens`` command."""

from crmlens.cli import main

if __name__ == "__main__":
    main()
