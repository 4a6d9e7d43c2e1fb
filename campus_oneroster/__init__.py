"""The shared OneRoster 1.1 client: the only code in this distribution that speaks HTTP to a provider.

Import what you need from its modules (`campus_oneroster.client`, `.config`, `.filters`, ...): the
package itself imports nothing, so a pure module can use `segments.py` or `filters.py` without
loading the HTTP stack.
"""
