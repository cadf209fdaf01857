# corpus: label=safe class=xss framework=jinja2
from jinja2 import Environment, DictLoader

env = Environment(
    loader=DictLoader({"reminder.txt": "Hi {{ name }},\nyour order {{ order }} ships tomorrow.\n"}),
    autoescape=False,
    keep_trailing_newline=True,
)


def reminder_text(name, order):
    return env.get_template("reminder.txt").render(name=name, order=order)


print(reminder_text("Ada", "A-1042"))
