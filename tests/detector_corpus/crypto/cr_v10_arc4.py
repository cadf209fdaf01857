# corpus: label=vulnerable class=weak_cryptography line=5 framework=crypto
from Crypto.Cipher import ARC4
import os

cipher = ARC4.new(os.urandom(16))
print(cipher.encrypt(b"session-payload").hex())
