# corpus: label=vulnerable class=command_injection line=6 framework=subprocess
import os
import sys

src, dst = sys.argv[1], sys.argv[2]
status = os.system(f'ffmpeg -y -i "{src}" -vn -acodec libmp3lame "{dst}"')
sys.exit(status)
