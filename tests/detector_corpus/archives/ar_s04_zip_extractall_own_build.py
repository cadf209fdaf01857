# corpus: label=safe class=path_traversal framework=archives
import zipfile
from pathlib import Path

build = Path("dist")
build.mkdir(exist_ok=True)
with zipfile.ZipFile(build / "site.zip", "w") as zf:
    for p in Path("public").rglob("*"):
        if p.is_file():
            zf.write(p, p.relative_to("public"))
print("wrote", build / "site.zip")
