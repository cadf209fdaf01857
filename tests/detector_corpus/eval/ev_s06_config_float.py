# corpus: label=safe class=code_injection framework=eval
import configparser
import sys

cfg = configparser.ConfigParser()
cfg.read(sys.argv[1])
threshold = cfg["limits"].getfloat("threshold", fallback=0.5)
print("threshold", threshold)
