# Monthly updates, boards and packs arrive with their issues.
