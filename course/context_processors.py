def canonical_url(request):
    """The page's own address without query string, percent-encoded (Korean slugs included)."""
    return {"canonical_url": request.build_absolute_uri(request.path)}
