# corpus: label=vulnerable class=command_injection line=10 framework=subprocess
import subprocess
import click


@click.command()
@click.argument("archive")
@click.option("--password", prompt=True, hide_input=True)
def unzip(archive, password):
    subprocess.run(f"unzip -P {password} {archive}", shell=True, check=True)


if __name__ == "__main__":
    unzip()
