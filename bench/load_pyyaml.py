"""What a team would otherwise script: read every file of the store and load every
YAML file with PyYAML's libyaml-backed loader (yaml.CSafeLoader), on one process or
several (--workers N: the files are shared out to N processes).

    python3 bench/load_pyyaml.py [--workers N] [--pure] DIR

--pure uses PyYAML's pure-Python SafeLoader instead. Without --pure the script refuses
to run when PyYAML was built without libyaml: it never falls back to the slow loader
unsaid."""
import multiprocessing
import os
import sys

import yaml

EXIT_NO_LIBYAML = 3


def loader(pure):
    if pure:
        return yaml.SafeLoader
    return getattr(yaml, "CSafeLoader", None)


def load(job):
    paths, pure = job
    parsed = 0
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        if path.endswith(".yaml"):
            yaml.load(data, Loader=loader(pure))
            parsed += 1
    return len(paths), parsed


def main():
    args = sys.argv[1:]
    workers, pure = 1, False
    while args and args[0].startswith("--"):
        flag = args.pop(0)
        if flag == "--workers":
            workers = int(args.pop(0))
        elif flag == "--pure":
            pure = True
        else:
            raise SystemExit(f"unknown option {flag}")
    if loader(pure) is None:
        print("PyYAML has no CSafeLoader here (it was built without libyaml)", file=sys.stderr)
        sys.exit(EXIT_NO_LIBYAML)
    paths = []
    for folder, dirs, names in os.walk(args[0]):
        dirs[:] = [d for d in dirs if d != ".git"]
        paths.extend(os.path.join(folder, name) for name in names)
    if workers == 1:
        files, parsed = load((paths, pure))
    else:
        chunk = 500
        jobs = [(paths[i:i + chunk], pure) for i in range(0, len(paths), chunk)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            counts = pool.map(load, jobs, chunksize=1)
            pool.close()
            pool.join()
        files, parsed = sum(c[0] for c in counts), sum(c[1] for c in counts)
    print(f"read {files} files, parsed {parsed} YAML files on {workers} processes")


if __name__ == "__main__":
    main()
