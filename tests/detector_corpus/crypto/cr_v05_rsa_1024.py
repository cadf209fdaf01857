# corpus: label=vulnerable class=weak_cryptography line=4 framework=crypto
from cryptography.hazmat.primitives.asymmetric import rsa

private_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
print(private_key.public_key().key_size)
