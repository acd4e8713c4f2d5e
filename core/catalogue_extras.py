"""Messages of Django itself that its zh-Hans catalogue lacks (their msgids changed in Django
5.2). Naming them here puts them in the project's catalogue, which takes precedence."""

from django.utils.translation import ngettext_lazy

PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
