#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Make the imgtool-cmake vectors: every `imgtool sign` command line that
Zephyr 4.x's cmake/mcuboot.cmake builds, run through the real imgtool with
the private key. tests/vectors/run-imgtool-py.sh runs the same lines
through zsign's imgtool.py with only the public key and compares with
tests/vectors/imgtool-compare (exact where imgtool is deterministic, else
the structural rules of ../imgtool/README.md).

Usage (once, with network-free MCUboot sources at the recorded commit):
    /usr/bin/python3 mkvectors.py /path/to/mcuboot/scripts/imgtool.py
Run from anywhere; imgtool runs in ../imgtool (its keys and inputs).
"""
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "imgtool")
MCUBOOT_COMMIT = "2d4bacc3c15ebb6f91c28807fe6eb38b4ba98f77"

# mcuboot.cmake's fixed part: imgtool_sign.
SIGN = ["sign", "--version", "1.2.3+4", "--header-size", "0x200",
        "--slot-size", "0x4000"]
BIN = "inputs/zephyr-h200-8000.bin"
HEX = "inputs/zephyr-h200-08000000.hex"
ENC = {"ed25519": "keys/x25519.pub.pem",
       "ecdsa-p256": "keys/enc-ecdsa-p256.pub.pem"}
DEC = {"ed25519": "keys/x25519.pem",
       "ecdsa-p256": "keys/enc-ecdsa-p256.pem"}
# CONFIG_MCUBOOT_EXTRA_IMGTOOL_ARGS of the "extra" cases.
EXTRA = ["--security-counter", "3", "--boot-record", "app"]


def key_args(key, extra=()):
    """--key KEYFILE then the extra args, as mcuboot.cmake orders them;
    {KEY} is keys/NAME.pem for imgtool, keys/NAME.pub.pem for zsign."""
    return ["--key", "{KEY}"] + list(extra)


def cases():
    """(name, key, args after imgtool_sign, input, out_ext, encrypted)."""
    out = []
    for key in ("ed25519", "ecdsa-p256"):
        swap = ["--align", "4"] + key_args(key)
        for ext, inp in ((".bin", BIN), (".hex", HEX)):
            t = ext[1:]
            out.append(("%s-%s" % (key, t), key, swap, inp, ext, None))
            out.append(("%s-%s-confirmed" % (key, t), key,
                        swap + ["--pad", "--confirm"], inp, ext, None))
            out.append(("%s-%s-encrypted" % (key, t), key,
                        swap + ["--encrypt", ENC[key]], inp, ext, "body"))
        out.append(("%s-hex-clear" % key, key,
                     swap + ["--encrypt", ENC[key], "--clear"], HEX, ".hex",
                     "clear"))
    key = "ed25519"
    ow = ["--overwrite-only", "--align", "1"] + key_args(key)
    out.append(("overwrite-only-bin", key, ow, BIN, ".bin", None))
    out.append(("overwrite-only-bin-confirmed", key,
                ow + ["--pad", "--confirm"], BIN, ".bin", None))
    out.append(("overwrite-only-hex", key, ow, HEX, ".hex", None))
    ram = ["--align", "1", "--load-addr", "0x20000000"] + key_args(key)
    for slot, addr in (("slot0", "0x8000"), ("slot1", "0xc000")):
        for ext, inp in ((".bin", BIN), (".hex", HEX)):
            a = ram + ["--hex-addr", addr]
            out.append(("ram-load-%s-%s" % (slot, ext[1:]), key, a, inp,
                        ext, None))
            out.append(("ram-load-%s-%s-confirmed" % (slot, ext[1:]), key,
                        a + ["--pad", "--confirm"], inp, ext, None))
    swap = ["--align", "4"] + key_args(key)
    out.append(("vid-cid-bin", key, swap + ["--vid", "nordicsemi.com",
                "--cid", "zephyr-app"], BIN, ".bin", None))
    out.append(("pure-bin", key, ["--pure"] + swap, BIN, ".bin", None))
    out.append(("pure-hex-confirmed", key, ["--pure"] + swap +
                ["--pad", "--confirm"], HEX, ".hex", None))
    out.append(("sha512-bin", key, ["--sha", "512"] + swap, BIN, ".bin",
                None))
    out.append(("sha512-hex", key, ["--sha", "512"] + swap, HEX, ".hex",
                None))
    out.append(("extra-args-bin", key, ["--align", "4"] +
                key_args(key, EXTRA), BIN, ".bin", None))
    out.append(("rsa-2048-bin", "rsa-2048", ["--align", "4"] +
                key_args("rsa-2048"), BIN, ".bin", None))
    out.append(("ecdsa-p384-hex", "ecdsa-p384", ["--align", "8"] +
                key_args("ecdsa-p384"), HEX, ".hex", None))
    return out


def imgtool(tool, args, out):
    """Run imgtool in the shared folder; its stdout+stderr on failure."""
    r = subprocess.run([sys.executable, tool] + args + [out], cwd=SHARED,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("imgtool %s: %s%s" % (" ".join(args), r.stdout, r.stderr))


def flat(path):
    """The image bytes of a .bin or .hex output (holes as 0xff)."""
    if not path.endswith(".hex"):
        return open(path, "rb").read()
    import intelhex
    ih = intelhex.IntelHex(path)
    return ih.tobinstr(start=ih.minaddr(), size=ih.maxaddr() - ih.minaddr()
                       + 1)


def tlv_end(img):
    """End of the TLV areas of an MCUboot image (header, body, TLVs)."""
    hdr_size, prot, img_size = struct.unpack_from("<HHI", img, 8)
    off = hdr_size + img_size + prot
    magic, tot = struct.unpack_from("<HH", img, off)
    if magic != 0x6907:
        sys.exit("no TLV info at 0x%x" % off)
    return off + tot


def decrypt(img, keyfile, body):
    """img with its body decrypted (ECIES-X25519 or -P256, as imgtool
    wraps the AES key: HKDF-SHA256 "MCUBoot_ECIES_v1", AES-CTR)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, x25519
    from cryptography.hazmat.primitives.ciphers import (Cipher, algorithms,
                                                        modes)
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    hdr, prot, isz = struct.unpack_from("<HHI", img, 8)
    off = hdr + isz + prot
    end = off + struct.unpack_from("<H", img, off + 2)[0]
    off += 4
    tlvs = {}
    while off < end:
        t, n = struct.unpack_from("<HH", img, off)
        tlvs[t] = img[off + 4:off + 4 + n]
        off += 4 + n
    if not body:
        return img
    priv = serialization.load_pem_private_key(
        open(os.path.join(SHARED, keyfile), "rb").read(), None)
    if 0x33 in tlvs:
        w, plen = tlvs[0x33], 32
        shared = priv.exchange(x25519.X25519PublicKey.from_public_bytes(
            w[:plen]))
    else:
        w, plen = tlvs[0x32], 65
        shared = priv.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.
                               from_encoded_point(ec.SECP256R1(), w[:plen]))
    klen = len(w) - plen - 32
    k = HKDF(hashes.SHA256(), klen + 32, None,
             b"MCUBoot_ECIES_v1").derive(shared)
    aes = Cipher(algorithms.AES(k[:klen]), modes.CTR(bytes(16))).decryptor(
        ).update(w[plen + 32:])
    plain = Cipher(algorithms.AES(aes), modes.CTR(bytes(16))).decryptor(
        ).update(img[hdr:hdr + isz])
    return img[:hdr] + plain + img[hdr + isz:]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    tool = os.path.abspath(sys.argv[1])
    version = subprocess.run([sys.executable, tool, "version"],
                             capture_output=True, text=True).stdout.strip()
    if version != "2.4.0":
        sys.exit("imgtool version %r, want 2.4.0" % version)
    tmp = tempfile.mkdtemp()
    shutil.rmtree(os.path.join(HERE, "cases"), ignore_errors=True)
    result = []
    for name, key, args, inp, ext, enc in cases():
        full = SIGN + args + [inp]
        priv = [a.replace("{KEY}", "keys/%s.pem" % key) for a in full]
        d = os.path.join(HERE, "cases", name)
        os.makedirs(d)
        out = os.path.join(d, "out" + ext)
        again = os.path.join(tmp, name + ext)
        imgtool(tool, priv, out)
        imgtool(tool, priv, again)
        same = open(out, "rb").read() == open(again, "rb").read()
        c = {"name": name,
             "description": "mcuboot.cmake: imgtool " + " ".join(full),
             "args": full + ["{OUT}"], "key": key, "out_ext": ext,
             "deterministic": same,
             "expected_output": "cases/%s/out%s" % (name, ext),
             "sha256": hashlib.sha256(open(out, "rb").read()).hexdigest()}
        if same:
            c["check"] = {"method": "exact"}
        else:
            chk = {"method": "structural",
                   "variable_tlv_types": ["0x20", "0x22", "0x23", "0x24",
                                          "0x25", "0x30", "0x31", "0x32",
                                          "0x33", "0x34"],
                   "verify_key": "../imgtool/keys/%s.pub.pem" % key,
                   "encrypted_body": enc == "body"}
            if enc is not None:
                # The plaintext: imgtool's own image, decrypted.
                with open(os.path.join(d, "plain.bin"), "wb") as f:
                    f.write(decrypt(flat(out), DEC[key], enc == "body"))
                chk["decrypt_key"] = "../imgtool/" + DEC[key]
                chk["plaintext_image"] = "cases/%s/plain.bin" % name
            c["check"] = chk
            img = flat(out)
            # The compared tail: from the first written trailer byte
            # (image_ok, else the magic) to the end; erased before it,
            # whatever the length of this run's signature.
            first = tlv_end(img)
            while first < len(img) and img[first] == 0xff:
                first += 1
            c["layout"] = {"trailer": {
                "trailer_size": len(img) - first,
                "erased_val": "0xff"}} if "--pad" in full else {}
        result.append(c)
    shutil.rmtree(tmp)
    doc = {"format_version": 1,
           "generator": {"mcuboot_commit": MCUBOOT_COMMIT,
                         "imgtool_version": version,
                         "python": "Debian python3 %d.%d.%d" %
                         sys.version_info[:3],
                         "script": "mkvectors.py"},
           "run_with": "cwd = ../imgtool; {KEY} is keys/KEY.pem for "
                       "imgtool, keys/KEY.pub.pem for zsign's imgtool.py; "
                       "replace {OUT} with a path ending in out_ext",
           "cases": result}
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
