#!/usr/bin/python3
"""Writes encrypted reference data into the data area of a LUKS volume, with python3-cryptography
(OpenSSL) and an IV computation written here from the dm-crypt specification -- not with
CryptStack's code. The interoperability test then opens the volume with CryptStack and expects the
plaintext back.

Usage:
    fill_luks_data.py IMAGE DATA_OFFSET_BYTES KEY_HEX CIPHER SECTOR_SIZE LENGTH_BYTES SEED

CIPHER is aes-xts-plain64 or aes-cbc-essiv:sha256. The IV counts 512-byte sectors from the start of
the data area even when SECTOR_SIZE is 4096: cryptsetup 2.6.1 never sets iv_large_sectors for LUKS2.
Plaintext: block k of the stream is SHA-256(LE32(seed) || LE32(k)), concatenated.
"""

import hashlib
import struct
import sys

from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def plaintext(seed, length):
    out = bytearray()
    block = 0
    while len(out) < length:
        out += hashlib.sha256(struct.pack("<II", seed, block)).digest()
        block += 1
    return bytes(out[:length])


def encrypt_unit(cipher, key, sector512, data):
    if cipher == "aes-xts-plain64":
        iv = struct.pack("<Q", sector512) + bytes(8)
        mode = modes.XTS(iv)
        algorithm = algorithms.AES(key)
    elif cipher == "aes-cbc-essiv:sha256":
        salt = hashlib.sha256(key).digest()
        essiv = Cipher(algorithms.AES(salt), modes.ECB(), backend=default_backend()).encryptor()
        iv = essiv.update(struct.pack("<Q", sector512) + bytes(8)) + essiv.finalize()
        mode = modes.CBC(iv)
        algorithm = algorithms.AES(key)
    else:
        raise SystemExit("unsupported cipher " + cipher)
    encryptor = Cipher(algorithm, mode, backend=default_backend()).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def main():
    if len(sys.argv) != 8:
        raise SystemExit(__doc__)
    image, offset, key_hex, cipher, sector_size, length, seed = sys.argv[1:]
    offset, sector_size, length, seed = int(offset), int(sector_size), int(length), int(seed)
    key = bytes.fromhex(key_hex)
    if length % sector_size:
        raise SystemExit("LENGTH_BYTES must be a multiple of SECTOR_SIZE")
    data = plaintext(seed, length)
    out = bytearray()
    for start in range(0, length, sector_size):
        out += encrypt_unit(cipher, key, start // 512, data[start:start + sector_size])
    with open(image, "r+b") as f:
        f.seek(offset)
        f.write(out)


if __name__ == "__main__":
    main()
