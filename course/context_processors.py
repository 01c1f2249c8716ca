def canonical_url(request):
    """The page's own address without query string, percent-encoded (Korean slugs included)."""
    return {"canonical_url": request.build_absolute_uri(request.path)}


def shared_page(request):
    """No CSRF token in a page served to everyone: forms on it work through config.csrf.

    "NOTPROVIDED" is the value with which ``{% csrf_token %}`` renders nothing; the token
    is never generated, so no cookie is set.
    """
    return {"csrf_token": "NOTPROVIDED"} if getattr(request, "is_shared", False) else {}
