"""The only code that opens files: catalogs, request workbooks, plan workbooks."""
