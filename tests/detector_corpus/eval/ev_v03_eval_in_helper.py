# corpus: label=vulnerable class=code_injection line=3 framework=eval
def apply_filter(rows, condition):
    return [r for r in rows if eval(condition, {}, dict(r))]


ROWS = [{"age": 31, "city": "Oslo"}, {"age": 19, "city": "Rome"}]
user_condition = input("filter (python expr): ")
print(apply_filter(ROWS, user_condition))
