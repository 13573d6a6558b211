"""The ``rsdk`` command of the pip-installed package (the client commands)."""

from __future__ import annotations

import sys

from ._native import cli_main


def main() -> None:
    """Entry point of the ``rsdk`` console script."""
    sys.exit(cli_main(["rsdk", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
