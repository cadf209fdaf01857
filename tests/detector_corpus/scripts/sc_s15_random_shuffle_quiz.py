# corpus: label=safe class=weak_randomness framework=scripts
import random

QUESTIONS = ["capital of France?", "2 + 2?", "largest planet?", "H2O is?"]


def quiz_order(seed=None):
    order = QUESTIONS[:]
    random.Random(seed).shuffle(order)
    return order


print(quiz_order())
