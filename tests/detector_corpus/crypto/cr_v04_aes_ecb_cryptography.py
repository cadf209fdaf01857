# corpus: label=vulnerable class=weak_cryptography line=6 framework=crypto
import os
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

key = os.urandom(32)
encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
block = encryptor.update(b"sixteen byte msg") + encryptor.finalize()
print(block.hex())
