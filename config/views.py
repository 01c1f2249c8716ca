from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A Korean page, not Django's English one, when a form's security token is missing or stale."""
    return render(request, "403_csrf.html", status=403)
