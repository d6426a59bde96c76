"""``python -m sklearn_esmem``: see ``python -m sklearn_esmem --help``."""

from sklearn_esmem._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
