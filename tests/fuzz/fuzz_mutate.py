"""A seeded, deterministic mutator for vectors files: byte-wise and structural damage.

Every input is a pure function of ``(seed file, random.Random state)``, so an input number and
the run's base seed reproduce it exactly (see ``fuzz_harness.py --only``). Structural mutations
use the region map of the seed (header, keys, values, line ends, native header and arrays);
byte-wise ones ignore the format. :meth:`Mutator.mutate` applies one structural mutation
and then up to ``MAX_BYTE_MUTATIONS`` byte-wise ones (or only byte-wise ones).
"""
import json
import struct

from fuzz_seeds import NATIVE_ALIGNMENT, NATIVE_PRELUDE

MAX_BYTE_MUTATIONS = 3
BYTE_ONLY_SHARE = 0.25                 # share of inputs with byte-wise damage only
MAX_RUN_BYTES = 64                     # longest inserted/deleted/duplicated run

#: Header numbers worth trying: zero, negatives, off-by-one (added later), 32/64-bit limits,
#: values that overflow an allocation, and numbers Python's int() accepts but C parsers do not.
HEADER_NUMBERS = [b"0", b"1", b"-1", b"-5", b"2", b"7", b"100", b"2147483647", b"2147483648",
                  b"4294967296", b"9223372036854775807", b"9223372036854775808",
                  b"18446744073709551616", b"1000000000000", b"10" * 20, b"9" * 4000, b"+3",
                  b"1_0", b"0x10", b"1e3", b"\xd9\xa3", b"", b" ", b"3 4", b"-0", b"00000000003"]
HEADER_SHAPES = [b"{r} {d}\r", b"{r}\t{d}", b"  {r}   {d}  ", b"{d} {r}", b"{r} {d} 1", b"{r}",
                 b"{r}{d}", b"{r} {d}\x00", b"\x00{r} {d}", b"{r},{d}", b"\xef\xbb\xbf{r} {d}"]
#: Text values Python's float() does or does not accept, plus NaN/infinity and C-parser traps.
VALUE_TOKENS = [b"nan", b"NaN", b"-inf", b"inf", b"Infinity", b"1e400", b"-1e400", b"1e-400",
                b"4.9e-324", b"3.4028236e38", b"3.4028235e38", b"1.17549435e-38", b"0x1p3", b"1_0",
                b"", b"--1", b"+-1", b"1e", b"1e+", b".", b"-.5", b"5.", b"-0", b"+0.0",
                b"1" * 30, b"0." + b"0" * 400 + b"1", b"9" * 400, b"1" * 19, b"18446744073709551616",
                b"9007199254740993", b"0.1e23", b"1e22", b"1e23", b"123456789012345678e-40",
                b"\xd9\xa1", b"1\x00", b"\x00", b"1.5\r", b"1,5", b"e5", b"nan(123)", b"infinity",
                b"1.0000000596046448", b"0.000000059604644775390625", b"2.5e-45", b"7.006e-46"]
FLOAT32_BITS = [0x7FC00000, 0x7F800000, 0xFF800000, 0x7F800001, 0x00000001, 0x80000000,
                0x7F7FFFFF, 0x00800000, 0xFFFFFFFF, 0x477FE000, 0x47800000]
BAD_UTF8 = [b"\xff", b"\xc3", b"\xe2\x82", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
            b"\x80", b"\xfe\xff", b"\xf0\x9f\x98"]
INTERESTING_BYTES = [0, 0xFF, 0x80, 0x7F, ord("\n"), ord(" "), ord("\r"), ord("\t"), ord("-"),
                     ord("9"), ord("."), ord("e"), ord("0")]
INSERTS = [b"\x00", b"\n", b" ", b"\r\n", b"\xff", b"-", b"9" * 12, b"\n\n", b"\t", b"\x0b",
           b"\xc3", b"nan", b" 1", b"1 ", b"\x00" * 8]
GAP_BYTES = [b"\n", b"\n\n", b"\t", b"\r\n", b"\x0c", b" "]
NATIVE_LENGTHS = [0, 1, 2, 63, 64, 2 ** 31, 2 ** 32, 2 ** 63, 2 ** 64 - 1]
JSON_VALUES = [None, True, False, 0, 1, -1, 2, 7, 10 ** 20, -(10 ** 20), 2 ** 63, 1.5, "NaN-ish",
               "", "x", [], [1], ["a"], {}, {"a": 1}, float("nan"), float("inf")]
NATIVE_DTYPES = ["<f4", "<f8", "|u1", "|b1", "<i8", "<u4", "<f2", ">f4", "O", "|O", "<U8", "V8",
                 "<c16", "f4", "", None, 3, [], ["<f4"], {"a": 1}]


class Mutator:
    """Damage seed files deterministically with ``rng`` (a :class:`random.Random`)."""

    def __init__(self, rng, seeds):
        self.rng = rng
        self.seeds = seeds

    def mutate(self, seed):
        """Return ``(data, [names of the mutations applied])``."""
        data, ops = seed.data, []
        if self.rng.random() >= BYTE_ONLY_SHARE:
            structural = self.native_ops if seed.layout == "native" else self.word2vec_ops
            op = self.rng.choice(structural)
            data = op(seed, data)
            ops.append(op.__name__)
        for _ in range(self.rng.randrange(0 if ops else 1, MAX_BYTE_MUTATIONS + 1)):
            op = self.rng.choice(self.byte_ops)
            data = op(data)
            ops.append(op.__name__)
        return data, ops

    # --- helpers ------------------------------------------------------------------------------

    def span(self, spans):
        return self.rng.choice(spans) if spans else None

    def point(self, start, stop):
        """A position in ``[start, stop]``."""
        return self.rng.randint(start, max(start, stop))

    def cut(self, data, spans):
        chosen = self.span(spans)
        return data[:self.point(*chosen)] if chosen else data[:self.point(0, len(data))]

    @property
    def word2vec_ops(self):
        return [self.truncate_in_header, self.truncate_in_key, self.truncate_in_vector,
                self.truncate_at_record_end, self.drop_final_byte, self.header_number,
                self.header_shape, self.crlf_everywhere, self.crlf_one_line, self.strip_final_newline,
                self.bad_utf8_in_key, self.nul_somewhere, self.value_token, self.value_bits,
                self.blank_line, self.duplicate_record, self.drop_record, self.repeat_key,
                self.space_in_key, self.extra_value, self.drop_value, self.gap_before_record,
                self.append_garbage, self.splice_other_format, self.empty_file]

    @property
    def native_ops(self):
        return [self.truncate_in_header, self.truncate_in_array, self.drop_final_byte,
                self.native_magic, self.native_version, self.native_length, self.native_entry,
                self.native_table, self.native_meta, self.native_kind, self.native_array_bytes,
                self.append_garbage, self.splice_other_format, self.empty_file]

    @property
    def byte_ops(self):
        return [self.flip_bits, self.set_byte, self.insert_bytes, self.delete_run,
                self.duplicate_run, self.overwrite_random, self.truncate_anywhere]

    # --- structural, word2vec formats -----------------------------------------------------------

    def truncate_in_header(self, seed, data):
        return data[:self.point(*seed.header)]

    def truncate_in_key(self, seed, data):
        return self.cut(data, seed.keys)

    def truncate_in_vector(self, seed, data):
        return self.cut(data, seed.vectors)

    def truncate_at_record_end(self, seed, data):
        chosen = self.span(seed.vectors)
        return data[:chosen[1]] if chosen else data

    def drop_final_byte(self, seed, data):
        return data[:-1]

    def header_number(self, seed, data):
        start, stop = seed.header
        fields = data[start:stop].split(b" ")
        if not fields:
            return data
        which = self.rng.randrange(len(fields))
        choice = self.rng.random()
        if choice < 0.3 and fields[which].lstrip(b"-").isdigit():
            fields[which] = str(int(fields[which]) + self.rng.choice([-2, -1, 1, 2])).encode()
        else:
            fields[which] = self.rng.choice(HEADER_NUMBERS)
        return data[:start] + b" ".join(fields) + data[stop:]

    def header_shape(self, seed, data):
        start, stop = seed.header
        fields = data[start:stop].split()
        if len(fields) != 2:
            return data
        line = self.rng.choice(HEADER_SHAPES).replace(b"{r}", fields[0]).replace(b"{d}", fields[1])
        return data[:start] + line + data[stop:]

    def crlf_everywhere(self, seed, data):
        return data.replace(b"\n", b"\r\n")

    def crlf_one_line(self, seed, data):
        ends = seed.line_ends + ([seed.header[1]] if seed.layout != "noheader" else [])
        if not ends:
            return data
        at = self.rng.choice(ends)
        return data[:at] + b"\r" + data[at:]

    def strip_final_newline(self, seed, data):
        return data.rstrip(b"\n")

    def bad_utf8_in_key(self, seed, data):
        chosen = self.span(seed.keys)
        if not chosen:
            return data
        at = self.point(*chosen)
        bad = self.rng.choice(BAD_UTF8)
        if self.rng.random() < 0.5:
            return data[:at] + bad + data[at:]
        return data[:at] + bad + data[at + len(bad):]

    def nul_somewhere(self, seed, data):
        region = self.rng.choice([[seed.header], seed.keys, seed.vectors, [(0, len(data))]])
        chosen = self.span(region)
        if not chosen:
            return data
        at = self.point(*chosen)
        if self.rng.random() < 0.5:
            return data[:at] + b"\x00" + data[at:]
        return data[:at] + b"\x00" + data[at + 1:]

    def value_token(self, seed, data):
        chosen = self.span(seed.vectors)
        if not chosen or seed.layout == "binary":
            return self.value_bits(seed, data) if chosen else data
        values = data[chosen[0]:chosen[1]].split(b" ")
        slots = [i for i, token in enumerate(values) if token]
        if not slots:
            return data
        values[self.rng.choice(slots)] = self.rng.choice(VALUE_TOKENS)
        return data[:chosen[0]] + b" ".join(values) + data[chosen[1]:]

    def value_bits(self, seed, data):
        chosen = self.span(seed.vectors)
        if not chosen or seed.layout != "binary" or chosen[1] - chosen[0] < 4:
            return data
        at = chosen[0] + 4 * self.rng.randrange((chosen[1] - chosen[0]) // 4)
        return data[:at] + struct.pack("<I", self.rng.choice(FLOAT32_BITS)) + data[at + 4:]

    def blank_line(self, seed, data):
        ends = seed.line_ends or [seed.header[1]]
        at = self.rng.choice(ends)
        return data[:at] + self.rng.choice([b"\n", b"\n  ", b"\n\t\r", b"\n\n"]) + data[at:]

    def record_span(self, seed):
        """Span of a whole row: its key through its line end (if any)."""
        if not seed.keys:
            return None
        i = self.rng.randrange(len(seed.keys))
        stop = seed.vectors[i][1]
        return seed.keys[i][0], stop + 1 if stop in seed.line_ends else stop

    def duplicate_record(self, seed, data):
        chosen = self.record_span(seed)
        return data + data[chosen[0]:chosen[1]] if chosen else data

    def drop_record(self, seed, data):
        chosen = self.record_span(seed)
        return data[:chosen[0]] + data[chosen[1]:] if chosen else data

    def repeat_key(self, seed, data):
        if len(seed.keys) < 2:
            return data
        (a0, a1), (b0, b1) = sorted(self.rng.sample(seed.keys, 2))
        return data[:b0] + data[a0:a1] + data[b1:]

    def space_in_key(self, seed, data):
        chosen = self.span(seed.keys)
        if not chosen:
            return data
        at = self.point(*chosen)
        return data[:at] + b" " + data[at:]

    def extra_value(self, seed, data):
        chosen = self.span(seed.vectors)
        if not chosen:
            return data
        return data[:chosen[1]] + self.rng.choice([b" 0.5", b" 1", b"\x00\x00\x80?", b" "]) + data[chosen[1]:]

    def drop_value(self, seed, data):
        chosen = self.span(seed.vectors)
        if not chosen:
            return data
        if seed.layout == "binary":
            return data[:chosen[1] - 4] + data[chosen[1]:]
        head, _, _ = data[chosen[0]:chosen[1]].rpartition(b" ")
        return data[:chosen[0]] + head + data[chosen[1]:]

    def gap_before_record(self, seed, data):
        chosen = self.span(seed.keys)
        if not chosen:
            return data
        return data[:chosen[0]] + self.rng.choice(GAP_BYTES) + data[chosen[0]:]

    def append_garbage(self, seed, data):
        return data + self.rng.choice([b"\n", b" ", b"x", b"\x00", b"x 1 2\n", b"\n\n\n", b"\xff" * 5,
                                       bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 40)))])

    def splice_other_format(self, seed, data):
        """Glue the head of this file to the tail of a seed of another layout (text/binary/native
        confusion inside one file)."""
        others = [s for s in self.seeds if s.layout != seed.layout and s.small]
        other = self.rng.choice(others).data
        return data[:self.point(0, len(data))] + other[self.point(0, len(other)):]

    def empty_file(self, seed, data):
        return self.rng.choice([b"", b"\n", b" ", b"\x00", b"\r\n"])

    # --- structural, native format -----------------------------------------------------------------

    def truncate_in_array(self, seed, data):
        return self.cut(data, seed.arrays)

    def native_magic(self, seed, data):
        at = self.rng.randrange(8)
        return data[:at] + bytes([data[at] ^ (1 << self.rng.randrange(8))]) + data[at + 1:]

    def native_version(self, seed, data):
        return data[:8] + struct.pack("<I", self.rng.choice([0, 2, 255, 2 ** 32 - 1])) + data[12:]

    def native_length(self, seed, data):
        _, _, length = NATIVE_PRELUDE.unpack_from(data)
        choice = self.rng.choice(NATIVE_LENGTHS + [length + 1, length - 1, length + 64, len(data)])
        return data[:12] + struct.pack("<Q", max(0, choice)) + data[20:]

    def split_native(self, data):
        _, _, length = NATIVE_PRELUDE.unpack_from(data)
        header = json.loads(data[NATIVE_PRELUDE.size:NATIVE_PRELUDE.size + length])
        data_start = -(-(NATIVE_PRELUDE.size + length) // NATIVE_ALIGNMENT) * NATIVE_ALIGNMENT
        return header, data[data_start:]

    def join_native(self, data, header, body):
        """Re-serialise an edited header (Python's json, which also writes NaN) and re-pad."""
        text = json.dumps(header).encode("utf8")
        prelude = data[:12] + struct.pack("<Q", len(text))
        start = NATIVE_PRELUDE.size + len(text)
        return prelude + text + bytes(-start % NATIVE_ALIGNMENT) + body

    def native_entry(self, seed, data):
        header, body = self.split_native(data)
        entry = self.rng.choice(header["arrays"])
        field = self.rng.choice(["name", "dtype", "shape", "offset", "nbytes", "extra"])
        if field == "dtype":
            entry["dtype"] = self.rng.choice(NATIVE_DTYPES)
        elif field == "shape":
            shape = list(entry["shape"])
            choice = self.rng.random()
            if choice < 0.3 and shape:
                shape[self.rng.randrange(len(shape))] = self.rng.choice(JSON_VALUES)
            elif choice < 0.5:
                shape = shape[::-1]
            elif choice < 0.7:
                shape = shape + [1]
            elif choice < 0.8:
                shape = shape[:-1]
            else:
                shape = self.rng.choice(JSON_VALUES)
            entry["shape"] = shape
        elif field in ("offset", "nbytes"):
            value = entry[field]
            entry[field] = self.rng.choice(JSON_VALUES + [value + 64, value - 64, value + 1, value * 2, 2 ** 40])
        elif field == "name":
            entry["name"] = self.rng.choice([e["name"] for e in header["arrays"]] + JSON_VALUES)
        else:
            entry[self.rng.choice(["extra", "offset2"])] = 1
        return self.join_native(data, header, body)

    def native_table(self, seed, data):
        header, body = self.split_native(data)
        arrays = header["arrays"]
        choice = self.rng.random()
        if choice < 0.3 and arrays:
            arrays.pop(self.rng.randrange(len(arrays)))
        elif choice < 0.5 and arrays:
            arrays.append(dict(self.rng.choice(arrays)))
        elif choice < 0.6:
            header["arrays"] = self.rng.choice(JSON_VALUES)
        elif choice < 0.8 and len(arrays) > 1:
            i, j = self.rng.sample(range(len(arrays)), 2)
            arrays[i]["name"], arrays[j]["name"] = arrays[j]["name"], arrays[i]["name"]
        else:
            header[self.rng.choice(["kind", "meta", "arrays", "extra"])] = self.rng.choice(JSON_VALUES)
        return self.join_native(data, header, body)

    def native_meta(self, seed, data):
        header, body = self.split_native(data)
        meta = header["meta"]
        name = self.rng.choice(sorted(meta))
        choice = self.rng.random()
        if choice < 0.2:
            del meta[name]
        elif name == "keys" and choice < 0.7:
            keys = list(meta["keys"])
            edit = self.rng.randrange(6)
            if edit == 0 and keys:
                keys.pop(self.rng.randrange(len(keys)))
            elif edit == 1:
                keys.append(self.rng.choice(keys + ["new"]) if keys else "new")
            elif edit == 2 and keys:
                keys[self.rng.randrange(len(keys))] = self.rng.choice(JSON_VALUES)
            elif edit == 3:
                keys = keys[::-1]
            elif edit == 4 and len(keys) > 1:
                keys[1] = keys[0]
            else:
                keys = self.rng.choice(JSON_VALUES)
            meta["keys"] = keys
        elif isinstance(meta[name], (int, float)) and not isinstance(meta[name], bool) and choice < 0.6:
            meta[name] = meta[name] + self.rng.choice([-1, 1, -meta[name], 10 ** 9])
        else:
            meta[name] = self.rng.choice(JSON_VALUES)
        return self.join_native(data, header, body)

    def native_kind(self, seed, data):
        header, body = self.split_native(data)
        header["kind"] = self.rng.choice(["KeyedVectors", "Word2Vec", "", "FastText", None])
        return self.join_native(data, header, body)

    def native_array_bytes(self, seed, data):
        chosen = self.span([s for s in seed.arrays if s[1] > s[0]])
        if not chosen:
            return data
        at = self.point(chosen[0], chosen[1] - 1)
        value = bytes(self.rng.choice([[0xFF] * 8, [0x80] * 8, [0] * 8, [0x7F, 0xC0, 0, 0] * 2]))
        return data[:at] + value[:chosen[1] - at] + data[at + 8:]

    # --- byte-wise -------------------------------------------------------------------------------

    def position(self, data):
        return self.rng.randrange(len(data) + 1)

    def flip_bits(self, data):
        if not data:
            return data
        buf = bytearray(data)
        for _ in range(self.rng.randint(1, 8)):
            buf[self.rng.randrange(len(buf))] ^= 1 << self.rng.randrange(8)
        return bytes(buf)

    def set_byte(self, data):
        if not data:
            return data
        at = self.rng.randrange(len(data))
        return data[:at] + bytes([self.rng.choice(INTERESTING_BYTES)]) + data[at + 1:]

    def insert_bytes(self, data):
        at = self.position(data)
        return data[:at] + self.rng.choice(INSERTS) + data[at:]

    def delete_run(self, data):
        at = self.position(data)
        return data[:at] + data[at + self.rng.randint(1, MAX_RUN_BYTES):]

    def duplicate_run(self, data):
        at = self.position(data)
        run = data[at:at + self.rng.randint(1, MAX_RUN_BYTES)]
        return data[:at] + run + data[at:]

    def overwrite_random(self, data):
        at = self.position(data)
        run = bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, 16)))
        return data[:at] + run + data[at + len(run):]

    def truncate_anywhere(self, data):
        return data[:self.position(data)]
