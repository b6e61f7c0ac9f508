# Test stand-in for the parts of MoinMoin 1.9.11 the kit imports (not MoinMoin itself).
