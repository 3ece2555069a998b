# Measures arrive with the key measures issue.
