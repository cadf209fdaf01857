# corpus: label=safe class=command_injection framework=subprocess
import subprocess
import sys

src, dst = sys.argv[1], sys.argv[2]
done = subprocess.run(["ffmpeg", "-y", "-i", src, "-vn", "-acodec", "libmp3lame", dst])
sys.exit(done.returncode)
