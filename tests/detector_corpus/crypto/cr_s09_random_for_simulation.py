# corpus: label=safe class=weak_randomness framework=crypto
import random

rng = random.Random(42)
rolls = [rng.randint(1, 6) for _ in range(10000)]
print(sum(rolls) / len(rolls))
