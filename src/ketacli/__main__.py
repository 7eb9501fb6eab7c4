"""`python -m ketacli`."""

from ketacli.entry import main

if __name__ == "__main__":
    main()
