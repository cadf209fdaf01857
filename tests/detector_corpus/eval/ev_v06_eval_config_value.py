# corpus: label=vulnerable class=code_injection line=7 framework=eval
import configparser
import sys

cfg = configparser.ConfigParser()
cfg.read(sys.argv[1])
threshold = eval(cfg["limits"]["threshold"])
print("threshold", threshold)
