# corpus: label=safe class=command_injection framework=subprocess
import subprocess
import click


@click.command()
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.argument("dest", type=click.Path(file_okay=False))
def unpack(archive, dest):
    subprocess.run(["7z", "x", f"-o{dest}", "--", archive], check=True)


if __name__ == "__main__":
    unpack()
