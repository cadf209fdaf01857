# corpus: label=safe class=xss framework=django
from django import forms
from django.shortcuts import render


class FeedbackForm(forms.Form):
    name = forms.CharField(max_length=80)
    message = forms.CharField(widget=forms.Textarea, max_length=2000)


def feedback(request):
    form = FeedbackForm(request.POST or None)
    thanks = form.is_valid()
    return render(request, "feedback.html", {"form": form, "thanks": thanks})
