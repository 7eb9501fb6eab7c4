"""`python -m ketacli`."""

from ketacli.cli import main

if __name__ == "__main__":
    main()
