"""What a team would otherwise script: read every file of the store and load every
YAML file with PyYAML's safe_load."""
import os
import sys

import yaml

files = parsed = 0
for folder, dirs, names in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if d != ".git"]
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            data = f.read()
        files += 1
        if name.endswith(".yaml"):
            yaml.safe_load(data)
            parsed += 1
print(f"read {files} files, parsed {parsed} YAML files")
