#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Regenerate tests/vectors/imgtool-cmds from the real imgtool.

usage: gen.py MCUBOOT_DIR     (a checkout of MCUboot at the commit below)

Runs `python3 MCUBOOT_DIR/scripts/imgtool.py ARGS` for every case with the
vector folder as working directory and records exit code, stdout, the
click error text and any output file.  Keys and signed images come from
../imgtool (the shared sign vectors); the few extra images verify and
dumpinfo need are written to inputs/ first.
"""
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMIT = "2d4bacc3c15ebb6f91c28807fe6eb38b4ba98f77"
PY = "/usr/bin/python3"
KEYS = ["rsa-2048", "rsa-3072", "ecdsa-p256", "ecdsa-p384", "ed25519",
        "x25519"]
SIGN_KEYS = KEYS[:5]
REF = "../imgtool/cases/"


def K(k):
    return f"../imgtool/keys/{k}.pem"


def P(k):
    return f"../imgtool/keys/{k}.pub.pem"


cases = []


def case(name, args, desc, features, server_key=None, out=None,
         keygen=None):
    c = {"name": name, "description": desc, "args": args,
         "features": features}
    if server_key:
        # The runner repeats the case with `-k zsign:<server_key>`.
        c["server_key"] = server_key
    if out:
        c["out_ext"] = out
    if keygen:
        c["keygen_type"] = keygen
    cases.append(c)


def imgtool(mcuboot, args, **kw):
    return subprocess.run([PY, os.path.join(mcuboot, "scripts/imgtool.py")]
                          + args, cwd=HERE, capture_output=True, **kw)


def make_inputs(mcuboot):
    """Images verify/dumpinfo need that the sign vectors do not hold."""
    inp = os.path.join(HERE, "inputs")
    os.makedirs(inp, exist_ok=True)
    base = "../imgtool/inputs/rand-1000.bin"
    sign = ["sign", "-k", K("ed25519"), "-v", "1.2.3", "-H", "0x200",
            "--pad-header", "-S", "0x10000"]
    imgtool(mcuboot, sign + ["--non-bootable", "-L", "0x20000000",
                             base, "inputs/flags-2.bin"], check=True)
    imgtool(mcuboot, sign + ["--pad", "--confirm", "--align", "4",
                             "-L", "0x20000000", "--non-bootable",
                             base, "inputs/flags-pad.bin"], check=True)
    with open(os.path.join(HERE, REF, "ed25519-basic/out.bin"), "rb") as f:
        good = bytearray(f.read())
    hdr = int.from_bytes(good[8:10], "little")
    img = int.from_bytes(good[12:16], "little")
    t = hdr + img

    def put(name, b):
        with open(os.path.join(inp, name), "wb") as f:
            f.write(bytes(b))
    b = bytearray(good); b[0] ^= 1; put("bad-magic.bin", b)
    b = bytearray(good); b[t] ^= 1; put("bad-tlv-magic.bin", b)
    b = bytearray(good); b[hdr + 10] ^= 1; put("bad-hash.bin", b)
    b = bytearray(good); b[-1] ^= 1; put("bad-sig.bin", b)
    # A trailer whose magic is not MCUboot's: dumpinfo warns.
    put("bad-trailer.bin", good + b"\x5a" * 64)
    # swap_size/swap_info set as a swap in progress leaves them.
    with open(os.path.join(HERE, REF,
                           "ed25519-pad-align8-confirm/out.bin"), "rb") as f:
        b = bytearray(f.read())
    end = len(b) - 16
    b[end - 8] = 0x02                      # image_ok slot, 8-aligned: BAD
    b[end - 24] = 0x03                     # swap_info: UNSET
    b[end - 32:end - 28] = (0x1234).to_bytes(4, "little")
    put("trailer-fields.bin", b)
    # A passphrase-protected key (passphrase "zsign"): keyinfo never asks.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    import hashlib
    k = ed25519.Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"zsign-enc-key").digest())
    put("ed25519-protected.pem", k.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"zsign")))


def build_cases():
    # getpub: every key, every encoding, private and public files.
    for k in KEYS:
        sk = k if k in SIGN_KEYS else None
        case(f"getpub-{k}", ["getpub", "-k", K(k)],
             "default encoding (C)", ["getpub", k], sk)
        for e in ["lang-c", "lang-rust", "pem", "raw"]:
            case(f"getpub-{k}-{e}", ["getpub", "-k", K(k), "-e", e],
                 f"-e {e}", ["getpub", k, e], sk)
        for l in ["c", "rust"]:
            case(f"getpub-{k}-l-{l}", ["getpub", "-k", K(k), "-l", l],
                 f"deprecated -l {l}", ["getpub", k, "lang"], sk)
        case(f"getpub-{k}-pubfile", ["getpub", "-k", P(k), "-e", "lang-c"],
             "public-only PEM", ["getpub", k, "public-pem"])
        case(f"getpubhash-{k}", ["getpubhash", "-k", K(k)],
             "default encoding (lang-c)", ["getpubhash", k], sk)
        case(f"getpubhash-{k}-raw", ["getpubhash", "-k", K(k), "-e", "raw"],
             "raw SHA-256", ["getpubhash", k], sk)
        case(f"getpriv-{k}", ["getpriv", "-k", K(k)], "default format",
             ["getpriv", k])
        for f in ["openssl", "pkcs8"]:
            case(f"getpriv-{k}-{f}", ["getpriv", "-k", K(k), "-f", f],
                 f"-f {f}", ["getpriv", k])
        case(f"getpriv-{k}-minimal", ["getpriv", "-k", K(k), "--minimal"],
             "--minimal", ["getpriv", k])
        case(f"getpriv-{k}-pubfile", ["getpriv", "-k", P(k)],
             "public-only PEM: refused", ["getpriv", k, "error"])
        case(f"keyinfo-{k}", ["keyinfo", "-k", K(k)], "private PEM",
             ["keyinfo", k])
        case(f"keyinfo-{k}-pub", ["keyinfo", "-k", P(k)], "public PEM",
             ["keyinfo", k])
        case(f"keygen-{k}", ["keygen", "-t", k, "-k", "{OUT}"],
             "key type and PEM form (the key itself is random)",
             ["keygen", k], out=".pem", keygen=k)
    case("getpriv-ecdsa-p256-openssl-minimal",
         ["getpriv", "-k", K("ecdsa-p256"), "-f", "openssl", "--minimal"],
         "SEC1 without the public key", ["getpriv"])
    case("getpriv-ecdsa-p384-openssl-minimal",
         ["getpriv", "-k", K("ecdsa-p384"), "-f", "openssl", "--minimal"],
         "SEC1 without the public key", ["getpriv"])
    # Symbol names, suffixes, the option rules.
    for e in ["lang-c", "lang-rust"]:
        case(f"getpub-suffix-{e}", ["getpub", "-k", K("ecdsa-p384"), "-e", e,
                                    "--name-suffix", "_2b"],
             "--name-suffix (upper-cased for Rust)", ["getpub", "suffix"],
             "ecdsa-p384")
    case("getpub-suffix-default", ["getpub", "-k", K("rsa-2048"),
                                   "--name-suffix", "_Slot1"],
         "--name-suffix with the default encoding", ["getpub", "suffix"],
         "rsa-2048")
    case("getpub-suffix-l-rust", ["getpub", "-k", K("ed25519"), "-l", "rust",
                                  "--name-suffix", "x"],
         "--name-suffix with -l rust", ["getpub", "suffix"])
    case("getpub-suffix-empty", ["getpub", "-k", K("ed25519"), "-e", "pem",
                                 "--name-suffix", ""],
         "an empty suffix is no suffix", ["getpub", "suffix"])
    case("getpub-suffix-pem", ["getpub", "-k", K("ed25519"), "-e", "pem",
                               "--name-suffix", "_2"],
         "--name-suffix with pem: refused", ["getpub", "error"])
    case("getpub-suffix-raw", ["getpub", "-k", K("ed25519"), "-e", "raw",
                               "--name-suffix", "_2"],
         "--name-suffix with raw: refused", ["getpub", "error"])
    case("getpub-suffix-bad", ["getpub", "-k", K("ed25519"),
                               "--name-suffix", "a-b"],
         "suffix not [A-Za-z0-9_]", ["getpub", "error"])
    case("getpub-e-c", ["getpub", "-k", K("ed25519"), "-e", "c"],
         "-e c is not an imgtool encoding", ["getpub", "error"])
    case("getpub-e-rust", ["getpub", "-k", K("ed25519"), "-e", "rust"],
         "-e rust is not an imgtool encoding", ["getpub", "error"])
    case("getpub-l-pem", ["getpub", "-k", K("ed25519"), "-l", "pem"],
         "-l takes c or rust", ["getpub", "error"])
    case("getpub-e-and-l", ["getpub", "-k", K("ed25519"), "-e", "pem", "-l",
                            "c"], "-e and -l together", ["getpub", "error"])
    case("getpub-no-key", ["getpub"], "-k is required", ["getpub", "error"])
    case("getpub-key-missing-value", ["getpub", "-k"],
         "-k without a value", ["getpub", "error"])
    case("getpub-bad-option", ["getpub", "-k", K("ed25519"), "--bogus"],
         "unknown option", ["getpub", "error"])
    case("getpub-suggest-one", ["getpub", "--keys", K("ed25519")],
         "click's close match (difflib)", ["getpub", "error"])
    case("getpub-suggest-many", ["getpub", "--e", "pem"],
         "click's close matches (difflib)", ["getpub", "error"])
    case("dumpinfo-suggest", ["dumpinfo", "--forma", "json", "x.bin"],
         "click's close match (difflib)", ["dumpinfo", "error"])
    case("getpub-extra-arg", ["getpub", "-k", K("ed25519"), "extra"],
         "unexpected argument", ["getpub", "error"])
    case("getpub-output", ["getpub", "-k", K("ecdsa-p384"), "-o", "{OUT}"],
         "-o FILE", ["getpub", "output"], "ecdsa-p384", out=".c")
    case("getpub-output-raw", ["getpub", "-k", K("ed25519"), "-e", "raw",
                               "--output", "{OUT}"],
         "--output FILE, raw", ["getpub", "output"], "ed25519", out=".der")
    case("getpub-long-eq", ["getpub", "--key=" + K("ed25519"),
                            "--encoding=lang-rust"],
         "--opt=value forms", ["getpub"])
    case("getpub-short-joined", ["getpub", "-k" + K("ed25519"), "-epem"],
         "-kVALUE forms", ["getpub"])
    case("getpubhash-suffix", ["getpubhash", "-k", K("ecdsa-p384"),
                               "--name-suffix", "_0"],
         "--name-suffix", ["getpubhash", "suffix"], "ecdsa-p384")
    case("getpubhash-suffix-raw", ["getpubhash", "-k", K("ecdsa-p384"), "-e",
                                   "raw", "--name-suffix", "_0"],
         "--name-suffix with raw: refused", ["getpubhash", "error"])
    case("getpubhash-e-pem", ["getpubhash", "-k", K("ed25519"), "-e", "pem"],
         "-e takes lang-c or raw", ["getpubhash", "error"])
    case("getpubhash-pubfile", ["getpubhash", "-k", P("rsa-3072")],
         "public-only PEM", ["getpubhash"])
    case("getpubhash-output", ["getpubhash", "-k", K("ed25519"), "-e", "raw",
                               "-o", "{OUT}"],
         "-o FILE", ["getpubhash", "output"], "ed25519", out=".bin")
    case("getpriv-rsa-pkcs8", ["getpriv", "-k", K("rsa-2048"), "-f",
                               "pkcs8"], "RSA has no pkcs8", ["getpriv"])
    case("getpriv-bad-format", ["getpriv", "-k", K("rsa-2048"), "-f", "der"],
         "-f choice", ["getpriv", "error"])
    case("getpriv-no-key", ["getpriv"], "-k is required",
         ["getpriv", "error"])
    case("keyinfo-protected", ["keyinfo", "-k",
                                "inputs/ed25519-protected.pem"],
         "a passphrase-protected key is not inspected", ["keyinfo", "error"])
    case("keyinfo-require-ok", ["keyinfo", "-k", K("ed25519"), "--require",
                                "private"], "--require matches", ["keyinfo"])
    case("keyinfo-require-fail", ["keyinfo", "-k", P("ed25519"),
                                  "--require", "private"],
         "--require does not match", ["keyinfo", "error"])
    case("keyinfo-require-bad", ["keyinfo", "-k", P("ed25519"),
                                 "--require", "both"],
         "--require choice", ["keyinfo", "error"])
    case("keygen-bad-type", ["keygen", "-t", "rsa-4096", "-k", "{OUT}"],
         "-t choice", ["keygen", "error"], out=".pem")
    case("keygen-no-key", ["keygen", "-t", "ed25519"], "-k is required",
         ["keygen", "error"])
    case("version", ["version"], "imgtool version", ["version"])
    case("version-extra", ["version", "x"], "no arguments",
         ["version", "error"])
    # verify: every verdict.
    for n, k in [("ecdsa-p256-basic", "ecdsa-p256"),
                 ("ecdsa-p384-basic", "ecdsa-p384"),
                 ("rsa-2048-basic", "rsa-2048"), ("rsa-3072-full", "rsa-3072"),
                 ("ed25519-basic", "ed25519"), ("ed25519-sha512", "ed25519"),
                 ("ed25519-pure", "ed25519"),
                 ("ed25519-pure-pad-confirm", "ed25519")]:
        case(f"verify-{n}", ["verify", "-k", K(k), REF + n + "/out.bin"],
             "a valid image, private key file", ["verify"], k)
        case(f"verify-{n}-pub", ["verify", "-k", P(k), REF + n + "/out.bin"],
             "a valid image, public key file", ["verify"])
        case(f"verify-{n}-nokey", ["verify", REF + n + "/out.bin"],
             "a valid image, hash only", ["verify"])
    case("verify-hex", ["verify", "-k", K("ed25519"),
                        REF + "ed25519-hex-c000/out.hex"],
         "an Intel HEX image", ["verify", "hex"], "ed25519")
    case("verify-p256-sha512-priv", ["verify", "-k", K("ecdsa-p256"),
                                     REF + "nokey-sha512/out.bin"],
         "SHA-512 with a P-256 private key: imgtool's key mismatch",
         ["verify", "key-mismatch"])
    case("verify-p256-sha512-pub", ["verify", "-k", P("ecdsa-p256"),
                                    REF + "nokey-sha512/out.bin"],
         "SHA-512 with a P-256 public key", ["verify"], "ecdsa-p256")
    case("verify-key-mismatch", ["verify", "-k", K("ecdsa-p384"),
                                 REF + "ecdsa-p256-basic/out.bin"],
         "SHA-256 image, P-384 key", ["verify", "key-mismatch"],
         "ecdsa-p384")
    case("verify-other-key", ["verify", "-k", K("rsa-2048"),
                              REF + "ed25519-basic/out.bin"],
         "no signature for this key", ["verify"], "rsa-2048")
    case("verify-pure-other-key", ["verify", "-k", K("ecdsa-p256"),
                                   REF + "ecdsa-p256-basic/out.bin"],
         "same type, the vector's key", ["verify"])
    case("verify-bad-magic", ["verify", "inputs/bad-magic.bin"],
         "image magic", ["verify"])
    case("verify-bad-tlv-magic", ["verify", "-k", K("ed25519"),
                                  "inputs/bad-tlv-magic.bin"],
         "TLV info magic", ["verify"], "ed25519")
    case("verify-bad-hash", ["verify", "-k", K("ed25519"),
                             "inputs/bad-hash.bin"], "hash", ["verify"],
         "ed25519")
    case("verify-bad-sig", ["verify", "-k", K("ed25519"),
                            "inputs/bad-sig.bin"], "signature", ["verify"],
         "ed25519")
    case("verify-encrypted", ["verify", "-k", K("ed25519"),
                              REF + "ed25519-enc-x25519-128/out.bin"],
         "an encrypted body does not hash", ["verify"])
    case("verify-missing", ["verify", "nonexistent.bin"], "no such file",
         ["verify", "error"])
    case("verify-no-image", ["verify"], "IMGFILE is required",
         ["verify", "error"])
    # dumpinfo
    for n, ext in [("ecdsa-p256-basic", "bin"),
                   ("ed25519-enc-x25519-pad-confirm-align32", "bin"),
                   ("ed25519-pad-align8-maxalign32", "bin"),
                   ("rsa-3072-seccnt-deps-custom", "bin"),
                   ("ed25519-hex-08020000-pad-confirm", "hex"),
                   ("ed25519-lzma2", "bin")]:
        case(f"dumpinfo-{n}", ["dumpinfo", REF + n + "/out." + ext],
             "human", ["dumpinfo"])
    for n in ["flags-2", "flags-pad", "bad-trailer", "trailer-fields"]:
        case(f"dumpinfo-{n}", ["dumpinfo", f"inputs/{n}.bin"], "human",
             ["dumpinfo"])
    for f in ["yaml", "json", "human"]:
        case(f"dumpinfo-f-{f}", ["dumpinfo", "-f", f, "inputs/flags-pad.bin"],
             f"-f {f}", ["dumpinfo"])
        case(f"dumpinfo-o-{f}", ["dumpinfo", "-f", f, "-o", "{OUT}",
                                 REF + "rsa-3072-seccnt-deps-custom/out.bin"],
             f"-o FILE -f {f}", ["dumpinfo", "output"], out=".txt")
    case("dumpinfo-o", ["dumpinfo", "-o", "{OUT}",
                        REF + "ed25519-enc-x25519-pad-confirm-align32/out.bin"],
         "-o FILE: YAML", ["dumpinfo", "output"], out=".yaml")
    case("dumpinfo-yaml-trailer", ["dumpinfo", "-f", "yaml",
                                   "inputs/bad-trailer.bin"],
         "YAML of a bad trailer", ["dumpinfo"])
    case("dumpinfo-json-enc", ["dumpinfo", "--format", "json",
                               REF + "ecdsa-p256-enc-ecies-pad-confirm/out.bin"],
         "JSON, encrypted and padded", ["dumpinfo"])
    case("dumpinfo-silent", ["dumpinfo", "-s", REF + "ed25519-basic/out.bin"],
         "-s changes nothing in 2.4.0", ["dumpinfo"])
    case("dumpinfo-bad-format", ["dumpinfo", "-f", "xml",
                                 REF + "ed25519-basic/out.bin"],
         "-f choice", ["dumpinfo", "error"])
    case("dumpinfo-missing", ["dumpinfo", "nonexistent.bin"], "no such file",
         ["dumpinfo", "error"])
    # sign: --vid/--cid as imgtool 2.4.0 reads them; the create alias.
    sign = ["sign", "-k", K("ed25519"), "-v", "1.2.3", "-H", "0x200",
            "--pad-header", "-S", "0x10000"]
    inp = "../imgtool/inputs/rand-1000.bin"
    u = "6BA7B810-9DAD-11D1-80B4-00C04FD430C8"
    for n, vid, cid in [
            ("upper", u, u.replace("C8", "C9")),
            ("hex32", u.replace("-", ""), u.replace("-", "").lower()),
            ("mixed", "6ba7B810-9dad-11D1-80b4-00c04FD430c8", None),
            ("braces", "{" + u + "}", "app"),
            ("urn", "urn:uuid:" + u.lower(), "urn:uuid:" + u),
            ("prefix", u.lower() + "x", "app"),
            ("hex32-prefix", u.replace("-", "") + "0", None),
            ("name-spaces", "my vendor", "my class"),
            ("utf8", "vendor-\u00e9", "\u00e9"),
            ("empty", "", "")]:
        a = list(sign)
        if vid is not None:
            a += ["--vid", vid]
        if cid is not None:
            a += ["--cid", cid]
        case(f"sign-vid-cid-{n}", a + [inp, "{OUT}"],
             "--vid/--cid: imgtool 2.4.0 parse_uuid()", ["sign", "uuid"],
             out=".bin")
    case("sign-cid-name-without-vid", sign + ["--cid", "app", inp, "{OUT}"],
         "a --cid name needs --vid", ["sign", "uuid", "error"], out=".bin")
    case("sign-cid-raw-without-vid", sign + ["--cid", u, inp, "{OUT}"],
         "a raw --cid needs no --vid", ["sign", "uuid"], out=".bin")
    case("sign-vid-nonprintable", sign + ["--vid", "a\tb", inp, "{OUT}"],
         "a name that is not printable", ["sign", "uuid", "error"],
         out=".bin")
    case("sign-suggest-many", ["sign", "--pad-heade"] + sign[1:] +
         [inp, "{OUT}"], "click's close matches among sign's options",
         ["sign", "error"], out=".bin")
    case("sign-suggest-one", ["sign", "--sha-x", "256"] + sign[1:] +
         [inp, "{OUT}"], "click's close match among sign's options",
         ["sign", "error"], out=".bin")
    case("create-alias", ["create"] + sign[1:] + [inp, "{OUT}"],
         "create is sign", ["sign"], out=".bin")
    sign_stdout_cases()
    # help
    for c in ["sign", "create", "verify", "dumpinfo", "getpub", "getpubhash",
              "getpriv", "keygen", "keyinfo", "version"]:
        case(f"help-{c}", [c, "--help"], "--help", ["help"])
        case(f"help-{c}-h", [c, "-h"], "-h", ["help"])
    case("help", ["--help"], "the command list", ["help"])
    case("help-h", ["-h"], "the command list", ["help"])
    case("help-none", [], "no command", ["help"])
    case("no-such-command", ["frobnicate"], "unknown command",
         ["help", "error"])
    case("top-bad-long-option", ["--foo=1", "version"],
         "an option before the command", ["help", "error"])
    case("top-bad-short-option", ["-x", "getpub"],
         "an option before the command", ["help", "error"])
    case("help-after-error", ["getpub", "-e", "c", "-h"],
         "-h wins over a bad value before it", ["help"])


def sign_stdout_cases():
    """sign's stdout: image.py's "sign the ..."/"export ..." lines and
    main.py's compression sizes, for every kind of key and flow."""
    base = ["-v", "1.2.3", "-H", "0x200", "--pad-header", "-S", "0x20000"]
    rnd = "../imgtool/inputs/rand-4099.bin"
    comp = "../imgtool/inputs/compressible-20000.bin"
    zhex = "../imgtool/inputs/zephyr-h200-08000000.hex"

    def sc(name, args, desc, feats, sk=None, inp=rnd, out=".bin"):
        case("sign-stdout-" + name, ["sign"] + args + [inp, "{OUT}"], desc,
             ["sign", "stdout"] + feats, sk, out=out)
    for k in SIGN_KEYS:
        sc(k, ["-k", K(k)] + base, "a signature: sign the payload or digest",
           [k], k)
    sc("ed25519-pure", ["-k", K("ed25519"), "--pure"] + base,
       "--pure: still 'sign the digest'", ["ed25519", "pure"], "ed25519")
    sc("ed25519-sha512", ["-k", K("ed25519"), "--sha", "512"] + base,
       "--sha 512", ["ed25519"], "ed25519")
    sc("rsa-2048-pad-sig", ["-k", K("rsa-2048"), "--pad-sig"] + base,
       "--pad-sig", ["rsa-2048"], "rsa-2048")
    sc("unsigned", base, "no key: nothing printed", ["unsigned"])
    sc("vector-payload", ["-k", K("ed25519"), "--vector-to-sign",
                          "payload"] + base,
       "--vector-to-sign payload: export, nothing signed", ["vector"],
       "ed25519")
    sc("vector-digest", ["-k", K("ecdsa-p256"), "--vector-to-sign",
                         "digest"] + base,
       "--vector-to-sign digest", ["vector"], "ecdsa-p256")
    sc("unsigned-vector-digest", ["--vector-to-sign", "digest"] + base,
       "--vector-to-sign without a key", ["vector", "unsigned"])
    for k, sig in [("ecdsa-p256", "sig-ecdsa-p256.b64"),
                   ("ed25519", "sig-ed25519-basic.b64")]:
        fs = ["--fix-sig", "../imgtool/inputs/" + sig]
        sc(f"fix-sig-{k}-private", fs + ["--fix-sig-pubkey", K(k)] + base,
           "a private --fix-sig-pubkey: 'sign the payload' when it has "
           "sign() (RSA, ECDSA)", ["fix-sig", k])
        sc(f"fix-sig-{k}-public", fs + ["--fix-sig-pubkey", P(k)] + base,
           "a public --fix-sig-pubkey: nothing printed", ["fix-sig", k])
    sc("fix-sig-vector", ["--fix-sig", "../imgtool/inputs/sig-rsa-2048.b64",
                          "--fix-sig-pubkey", K("rsa-2048"),
                          "--vector-to-sign", "digest"] + base,
       "--fix-sig with --vector-to-sign", ["fix-sig", "vector"])
    for z, k, extra in [("lzma2", "ed25519", []),
                        ("lzma2armthumb", "ecdsa-p256", ["--pad",
                                                         "--confirm"])]:
        sc(f"{z}-{k}", ["-k", K(k), "--compression", z] + extra + base,
           "--compression: two create() runs, the sizes between",
           ["compression", k], k, comp)
    sc("lzma2-not-smaller", ["-k", K("ed25519"), "--compression", "lzma2"]
       + base, "compression that does not pay: one create()",
       ["compression", "ed25519"], "ed25519")
    sc("lzma2-unsigned", ["--compression", "lzma2"] + base,
       "compression without a key: the sizes only", ["compression"],
       inp=comp)
    sc("lzma2-vector", ["-k", K("rsa-2048"), "--compression", "lzma2",
                        "--vector-to-sign", "payload"] + base,
       "compression with --vector-to-sign", ["compression", "vector"],
       "rsa-2048", comp)
    sc("lzma2-fix-sig", ["--fix-sig", "../imgtool/inputs/sig-rsa-2048.b64",
                         "--fix-sig-pubkey", K("rsa-2048"), "--compression",
                         "lzma2"] + base,
       "compression with --fix-sig", ["compression", "fix-sig"], inp=comp)
    sc("lzma2-encrypt", ["-k", K("ed25519"), "--compression", "lzma2",
                         "-E", P("x25519")] + base,
       "compression and encryption", ["compression", "encrypt"], "ed25519",
       comp)
    for k, e in [("ed25519", "x25519"), ("ecdsa-p256", "enc-ecdsa-p256"),
                 ("rsa-2048", "enc-rsa-2048")]:
        sc(f"encrypt-{e}", ["-k", K(k), "-E", P(e)] + base,
           "-E: nothing more printed", ["encrypt", k], k)
    sc("hex-out", ["-k", K("ecdsa-p384"), "--hex-addr", "0x10000"] + base,
       "Intel HEX output", ["hex", "ecdsa-p384"], "ecdsa-p384", out=".hex")
    # Errors imgtool finds after its first lines: stdout keeps them.
    small = ["-v", "1.2.3", "-H", "0x200", "--pad-header", "-S", "0x1000"]
    sc("err-slot", ["-k", K("ed25519")] + small,
       "signed, then too large for the slot", ["error", "ed25519"],
       "ed25519")
    sc("err-lzma2-slot", ["-k", K("rsa-2048"), "--compression", "lzma2"]
       + small, "the first create() is too large for the slot",
       ["error", "compression", "rsa-2048"], "rsa-2048", comp)
    sc("err-hex-no-addr", ["-k", K("rsa-2048")] + base,
       "signed, then no address for the HEX output", ["error", "hex",
                                                       "rsa-2048"],
       "rsa-2048", out=".hex")
    sc("hex-in-lzma2", ["-k", K("ed25519"), "--compression", "lzma2", "-v",
                        "1.2.3", "-H", "0x200", "-S", "0x20000"],
       "Intel HEX in and out, compression", ["hex", "compression"],
       "ed25519", zhex, ".hex")


def run(mcuboot):
    cdir = os.path.join(HERE, "cases")
    shutil.rmtree(cdir, ignore_errors=True)
    os.makedirs(cdir)
    tmp = tempfile.mkdtemp()
    for c in cases:
        d = os.path.join(cdir, c["name"])
        os.makedirs(d)
        out = os.path.join(tmp, c["name"] + c.get("out_ext", ""))
        args = [out if a == "{OUT}" else a for a in c["args"]]
        if "stdout" in c["features"]:
            # A second run tells random images (RSA-PSS, ECDSA, -E).
            again = os.path.join(tmp, "again" + c["out_ext"])
            imgtool(mcuboot, [again if a == "{OUT}" else a
                              for a in c["args"]], stdin=subprocess.DEVNULL)
        p = imgtool(mcuboot, args, stdin=subprocess.DEVNULL)
        c["exit_code"] = p.returncode
        with open(os.path.join(d, "stdout"), "wb") as f:
            f.write(p.stdout)
        c["stdout"] = f"cases/{c['name']}/stdout"
        err = p.stderr.decode("utf-8", "replace")
        if p.returncode == 2 and "\nError: " in "\n" + err:
            c["error_kind"] = "usage"
            c["error"] = err.split("Error: ", 1)[1].rstrip("\n")
            with open(os.path.join(d, "stderr"), "wb") as f:
                f.write(p.stderr)
            c["stderr"] = f"cases/{c['name']}/stderr"
        elif p.returncode != 0 and err:
            c["error_kind"] = "python-exception"
            c["error"] = err.rstrip("\n").split("\n")[-1]
        if "out_ext" in c:
            c["output_created"] = os.path.exists(out)
            random = ("stdout" in c["features"] and os.path.exists(out) and
                      not filecmp.cmp(out, again, shallow=False))
            if "stdout" in c["features"] and os.path.exists(again):
                os.unlink(again)
            if random:
                # ../imgtool compares such images by structure.
                c["output_random"] = True
            elif os.path.exists(out) and "keygen_type" not in c:
                shutil.copy(out, os.path.join(d, "out" + c["out_ext"]))
                c["expected_output"] = f"cases/{c['name']}/out{c['out_ext']}"
            if "keygen_type" in c and os.path.exists(out):
                with open(out) as f:
                    c["pem_first_line"] = f.readline().rstrip("\n")
                pk = subprocess.run(["openssl", "pkey", "-in", out, "-noout",
                                     "-text"], capture_output=True,
                                    text=True, check=True).stdout
                c["openssl_text_first_line"] = pk.split("\n")[0]
            if os.path.exists(out):
                os.unlink(out)
    shutil.rmtree(tmp)
    gen = {"mcuboot_commit": COMMIT,
           "mcuboot_describe": "v2.4.0-114-g2d4bacc3",
           "imgtool_version": imgtool(mcuboot, ["version"]).stdout.decode()
           .strip(),
           "python": "Debian python3 3.11.2; python3-cryptography 38.0.4; "
                     "python3-click 8.1.3; python3-intelhex 2.3.0; "
                     "python3-cbor2 5.4.6; python3-yaml 6.0"}
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump({"format_version": 1, "generator": gen, "cases": cases},
                  f, indent=1, ensure_ascii=False)
        f.write("\n")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    make_inputs(sys.argv[1])
    build_cases()
    run(sys.argv[1])
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
