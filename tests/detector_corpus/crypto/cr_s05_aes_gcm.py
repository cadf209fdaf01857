# corpus: label=safe class=weak_cryptography framework=crypto
import os
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

key = AESGCM.generate_key(bit_length=256)
nonce = os.urandom(12)
ct = AESGCM(key).encrypt(nonce, b"ACCOUNT=12345678", b"v1")
print(len(ct))
