#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/ from the tests' own inputs.

    python3 fuzz/make-corpus.py            (needs cryptsetup for the LUKS seeds; run as root or not)

- table_line: the table lines in tests/**/*.cpp, and crypt lines built from tests/vectors rows;
- concise: the concise strings in tests/cli;
- cipher_spec: every cipher spec of tests/vectors with its key size, sector size and
  iv_large_sectors (the byte layout fuzz/fuzz_cipher_spec.cpp reads);
- luks2_json: the JSON in tests/formats/TestLuks2Json.cpp and the JSON areas of the LUKS2 seeds;
- luks1_header, luks2_header, keyslot_unlock: headers that cryptsetup luksFormat writes on small
  image files (passphrase "fuzz", PBKDF2 1000 iterations or Argon2 at its minimum cost), cut to
  the bytes the parser reads: 1 KiB for LUKS1, both copies for LUKS2, and up to the end of keyslot
  0's key material for keyslot_unlock.

Files are named by content (sha1), so running it again only adds what is new; delete a target's
folder first to start over. Each file stays under 100 KiB.
"""
import codecs
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
PASSPHRASE = b"fuzz"
MAX_SEED = 100 * 1024


def write_seed(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    assert len(data) < MAX_SEED, (target, len(data))
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def cpp_literals(path):
    """The contents of the ordinary and raw string literals in a C++ file, escapes decoded."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = [m.group(1) for m in re.finditer(r'R"\((.*?)\)"', text, re.S)]
    for m in re.finditer(r'(?<![R\w])"((?:[^"\\\n]|\\.)*)"', text):
        try:
            out.append(codecs.decode(m.group(1), "unicode_escape").encode("latin-1").decode("utf-8"))
        except (UnicodeError, ValueError):
            continue
    return out


def test_sources():
    for folder, _, files in os.walk(os.path.join(ROOT, "tests")):
        for name in sorted(files):
            if name.endswith(".cpp"):
                yield os.path.join(folder, name)


def vector_rows():
    """(spec, key hex, iv_offset, sector size, iv_large_sectors) from tests/vectors/*.txt."""
    folder = os.path.join(ROOT, "tests", "vectors")
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".txt"):
            continue
        with open(os.path.join(folder, name)) as f:
            for line in f:
                words = line.split()
                if not words or words[0].startswith("#") or len(words) < 3:
                    continue
                if not re.fullmatch(r"[0-9a-fA-F]*", words[1]):
                    continue
                if name == "refusals.txt":
                    yield words[0], words[1], "0", words[2] if words[2].isdigit() else "512", "0"
                elif len(words) >= 5 and all(w.isdigit() for w in words[2:5]):
                    yield words[0], words[1], words[2], words[3], words[4]


TABLE_LINE = re.compile(r"^\s*\d+\s+\d+\s+(linear|crypt|error|zero|delay|flakey)\b")


def table_lines():
    seen = set()
    for path in test_sources():
        for literal in cpp_literals(path):
            for line in literal.split("\n"):
                if TABLE_LINE.match(line) and "%" not in line and line not in seen:
                    seen.add(line)
                    write_seed("table_line", line)
    # Two-segment tables, and crypt lines from the known-answer vectors (one per spec).
    write_seed("table_line", "0 1024 linear a.img 0\n1024 1024 zero\n2048 8 error")
    write_seed("table_line", "0 64 crypt aes-xts-plain64 :64:logon:cryptsetup:vol-d0 0 a.img 0\n64 8 zero")
    specs = set()
    for spec, key, iv_offset, sector, large in vector_rows():
        if spec in specs:
            continue
        specs.add(spec)
        options = []
        if sector != "512":
            options.append("sector_size:" + sector)
        if large == "1":
            options.append("iv_large_sectors")
        extra = " %d %s" % (len(options), " ".join(options)) if options else ""
        write_seed("table_line", "0 64 crypt %s %s %s a.img 0%s" % (spec, key, iv_offset, extra))


def concise_strings():
    for path in test_sources():
        if os.sep + "cli" + os.sep not in path:
            continue
        for literal in cpp_literals(path):
            if literal.count(",") >= 4 and re.search(r"\d+ \d+ \w", literal) and "%" not in literal:
                write_seed("concise", literal)


def cipher_specs():
    # One seed per spec (with the first row's key size and geometry): the fuzzer varies the rest.
    seen = set()
    for spec, key, _, sector, large in vector_rows():
        key_bytes = len(key) // 2
        if key_bytes > 255 or spec in seen:
            continue
        seen.add(spec)
        shift = {512: 0, 1024: 1, 2048: 2, 4096: 3}.get(int(sector), 0)
        flags = (shift << 1) | (8 if large == "1" else 0)
        write_seed("cipher_spec", bytes([key_bytes, flags]) + spec.encode())
    for spec in ("capi:gcm(aes)-random", "capi:rfc7539(chacha20,poly1305)-random",
                 "capi:authenc(hmac(sha256),xts(aes))-random"):
        write_seed("cipher_spec", bytes([64, 1]) + spec.encode())


def json_texts():
    path = os.path.join(ROOT, "tests", "formats", "TestLuks2Json.cpp")
    for literal in cpp_literals(path):
        stripped = literal.strip()
        if stripped[:1] in ("{", "[") or stripped in ("true", "null", "1", '"x"'):
            write_seed("luks2_json", literal)


def run(*args, input=None):
    done = subprocess.run(args, input=input, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != 0:
        sys.exit("make-corpus: %s failed: %s" % (" ".join(args), done.stderr.decode(errors="replace")))


def cryptsetup():
    for candidate in ("/usr/sbin/cryptsetup", shutil.which("cryptsetup")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def luks_seeds(tool, work):
    keyfile = os.path.join(work, "pw")
    with open(keyfile, "wb") as f:
        f.write(PASSPHRASE)
    pbkdf2 = ["--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000"]
    argon2 = ["--pbkdf", "argon2id", "--pbkdf-force-iterations", "4", "--pbkdf-memory", "32",
              "--pbkdf-parallel", "1"]
    # 16 KiB metadata (header seeds are both copies: 32 KiB); a keyslots area that holds a 512-bit
    # key's material, or with a 128-bit key (64000 bytes of material) only 64 KiB.
    small2 = ["--luks2-metadata-size", "16k", "--luks2-keyslots-size", "256k"]
    tiny2 = ["--luks2-metadata-size", "16k", "--luks2-keyslots-size", "64k"]
    counter = [0]

    def image(size_mib=4):
        counter[0] += 1
        path = os.path.join(work, "img%d" % counter[0])
        with open(path, "wb") as f:
            f.truncate(size_mib << 20)
        return path

    def read(path, length):
        with open(path, "rb") as f:
            return f.read(length)

    def fmt(version, *options):
        path = image()
        run(tool, "luksFormat", "-q", "--type", "luks%d" % version, "-d", keyfile, *options, path)
        return path

    # LUKS1: the 1024-byte header (and one of odd length: a device too small for its keyslots).
    luks1 = [
        ["--cipher", "aes-xts-plain64", "--key-size", "256", "--hash", "sha256"],
        ["--cipher", "aes-xts-plain64", "--key-size", "512", "--hash", "sha512"],
        ["--cipher", "aes-cbc-essiv:sha256", "--key-size", "128", "--hash", "sha1"],
        ["--cipher", "aes-cbc-plain64", "--key-size", "256", "--hash", "ripemd160"],
        ["--cipher", "aes-ctr-plain64", "--key-size", "256", "--hash", "whirlpool"],
        ["--cipher", "aes-xts-essiv:sha256", "--key-size", "256", "--hash", "sha3-256"],
        ["--cipher", "aes-ecb", "--key-size", "128", "--hash", "sha256"],
        ["--cipher", "aes-cbc-essiv:sha256", "--key-size", "128", "--align-payload", "8"],
    ]
    for options in luks1:
        path = fmt(1, *pbkdf2, *options)
        write_seed("luks1_header", read(path, 1024))
    run(tool, "luksAddKey", "-q", "-d", keyfile, "--key-slot", "5", *pbkdf2, path, keyfile)
    write_seed("luks1_header", read(path, 1024))
    write_seed("luks1_header", read(path, 1025))
    # cryptsetup checks ciphers with the kernel, which this machine may lack: other ciphers are
    # written into a copy of the header (LUKS1 has no checksum).
    for name, mode in ((b"serpent", b"xts-plain64"), (b"twofish", b"cbc-essiv:sha256"), (b"camellia", b"cbc-plain")):
        edited = bytearray(read(path, 1024))
        edited[8:72] = name.ljust(32, b"\0") + mode.ljust(32, b"\0")
        write_seed("luks1_header", bytes(edited))
    header = os.path.join(work, "detached1")
    run(tool, "luksFormat", "-q", "--type", "luks1", "-d", keyfile, *pbkdf2, "--header", header, image())
    write_seed("luks1_header", read(header, 1024))

    # LUKS2: both copies of the binary header and JSON area.
    luks2 = [
        [*argon2, *small2],
        [*pbkdf2, *small2, "--cipher", "aes-cbc-essiv:sha256", "--key-size", "128"],
        [*pbkdf2, *small2, "--label", "fuzz-label", "--subsystem", "fuzz-sub", "--sector-size", "512"],
        [*argon2, "--luks2-metadata-size", "32k", "--luks2-keyslots-size", "256k", "--cipher", "aes-xts-plain64"],
        [*pbkdf2, *small2, "--cipher", "aes-xts-plain64", "--key-size", "512", "--hash", "sha512"],
        [*pbkdf2, *small2, "--offset", "8192", "--uuid", "01234567-89ab-cdef-0123-456789abcdef"],
    ]
    for options in luks2:
        path = fmt(2, *options)
        size = 32768 if "32k" not in options else 65536
        write_seed("luks2_header", read(path, size))
        json_area = read(path, 16384)[4096:].split(b"\0", 1)[0]
        write_seed("luks2_json", json_area)
    # A second keyslot with priority, a token; a damaged secondary copy; a detached header.
    path = fmt(2, *pbkdf2, *small2, "--cipher", "aes-cbc-essiv:sha256", "--key-size", "128")
    run(tool, "luksAddKey", "-q", "-d", keyfile, "--key-slot", "3", *pbkdf2, path, keyfile)
    run(tool, "config", "--priority", "prefer", "--key-slot", "3", path)
    token = os.path.join(work, "token.json")
    with open(token, "w") as f:
        f.write('{"type":"fuzz-token","keyslots":["3"],"note":"seed"}')
    run(tool, "token", "import", "--json-file", token, "--token-id", "2", path)
    data = read(path, 32768)
    write_seed("luks2_header", data)
    write_seed("luks2_json", data[4096:16384].split(b"\0", 1)[0])
    damaged = bytearray(data)
    damaged[16384 + 5000] ^= 0x01
    write_seed("luks2_header", bytes(damaged))
    header = os.path.join(work, "detached2")
    run(tool, "luksFormat", "-q", "--type", "luks2", "-d", keyfile, *pbkdf2, *small2, "--header", header,
        image())
    write_seed("luks2_header", read(header, 32768))

    # keyslot_unlock: images up to the end of keyslot 0's material (128-bit keys keep it small).
    essiv = ["--cipher", "aes-cbc-essiv:sha256", "--key-size", "128"]
    path = fmt(1, *pbkdf2, *essiv)
    write_seed("keyslot_unlock", read(path, 4096 + 125 * 512))  # slot 0 at sector 8, 125 sectors
    path = fmt(1, *pbkdf2, "--cipher", "aes-cbc-plain64", "--key-size", "128", "--hash", "sha1")
    write_seed("keyslot_unlock", read(path, 4096 + 125 * 512))
    path = fmt(2, *pbkdf2, *tiny2, *essiv)
    write_seed("keyslot_unlock", read(path, 32768 + 125 * 512))  # area at 2 × 16 KiB
    path = fmt(2, *argon2, *tiny2, *essiv)
    write_seed("keyslot_unlock", read(path, 32768 + 125 * 512))
    path = fmt(2, "--pbkdf", "argon2i", *argon2[2:], *tiny2, *essiv)
    write_seed("keyslot_unlock", read(path, 32768 + 125 * 512))


def main():
    warnings.simplefilter("ignore", DeprecationWarning)  # "\/" in JSON literals
    table_lines()
    concise_strings()
    cipher_specs()
    json_texts()
    tool = cryptsetup()
    if not tool:
        print("make-corpus: cryptsetup not found; LUKS seeds not written", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as work:
        luks_seeds(tool, work)
    for target in sorted(os.listdir(CORPUS)):
        folder = os.path.join(CORPUS, target)
        if os.path.isdir(folder):
            files = os.listdir(folder)
            size = sum(os.path.getsize(os.path.join(folder, f)) for f in files)
            print("%-16s %4d files %8d bytes" % (target, len(files), size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
