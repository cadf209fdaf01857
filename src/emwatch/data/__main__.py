"""`python -m emwatch.data`: regenerate the shipped data files from the generators (default seed)."""

from emwatch.data import build_shipped

if __name__ == "__main__":
    for name, path in build_shipped().items():
        print(f"{name}: {path}")
