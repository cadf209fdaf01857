# corpus: label=safe class=weak_cryptography framework=crypto
import os
from cryptography.fernet import Fernet

f = Fernet(os.environ["FERNET_KEY"].encode())
token = f.encrypt(b"card ending 4242")
print(f.decrypt(token))
