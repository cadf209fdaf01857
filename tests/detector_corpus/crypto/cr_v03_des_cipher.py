# corpus: label=vulnerable class=weak_cryptography line=6 framework=crypto
from Crypto.Cipher import DES
import os

key = os.environ["LEGACY_KEY"].encode()[:8]
cipher = DES.new(key, DES.MODE_ECB)
print(cipher.encrypt(b"ACCOUNT=12345678").hex())
