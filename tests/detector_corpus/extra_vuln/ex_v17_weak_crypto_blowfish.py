# corpus: label=vulnerable class=weak_cryptography line=6 framework=extra_vuln
import os
from Crypto.Cipher import Blowfish

key = os.urandom(16)
cipher = Blowfish.new(key, Blowfish.MODE_ECB)
print(cipher.encrypt(b"8bytes!!").hex())
