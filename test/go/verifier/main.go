// Command verifier is an independent, outside verifier for a C2SP tlog-tiles
// transparency log (https://c2sp.org/tlog-tiles) whose checkpoint is a C2SP
// tlog-checkpoint (https://c2sp.org/tlog-checkpoint) signed as a C2SP
// signed-note (https://c2sp.org/signed-note) with an Ed25519 key.
//
// It deliberately uses nothing but the Go standard library and the Go
// checksum-database reference packages golang.org/x/mod/sumdb/note and
// golang.org/x/mod/sumdb/tlog, so that it shares no code with the server it
// checks.
//
// Usage:
//
//	verifier -url http://127.0.0.1:PORT/log/ -vkey '<name>+<hex>+<base64>' [-prev FILE]
//
// On success it prints "OK <origin> size=<N> root=<base64>" and exits 0.
// On any failure it prints "FAIL: <reason>" and exits 1.
// Tolerated oddities (e.g. a partial tile that had to be read from the full
// tile) are reported on stderr as "WARN: ..." lines.
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// tileHeight is fixed by C2SP tlog-tiles.
const tileHeight = 8

const tileWidth = 1 << tileHeight

// maxResponse bounds every HTTP body we read (a full hash tile is 8 KiB,
// a full entry bundle at most 256*(2+65535) bytes).
const maxResponse = 32 << 20

type failure struct{ msg string }

func (f *failure) Error() string { return f.msg }

func failf(format string, args ...interface{}) error {
	return &failure{fmt.Sprintf(format, args...)}
}

func main() {
	logURL := flag.String("url", "", "base URL of the log, e.g. http://127.0.0.1:8080/log/")
	vkey := flag.String("vkey", "", "signed-note verifier key <name>+<hex>+<base64>")
	prev := flag.String("prev", "", "optional file holding an earlier signed checkpoint of the same log")
	timeout := flag.Duration("timeout", 30*time.Second, "per-request HTTP timeout")
	flag.Parse()
	if *logURL == "" || *vkey == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: verifier -url URL -vkey VKEY [-prev FILE]")
		fmt.Println("FAIL: bad usage")
		os.Exit(1)
	}
	base := *logURL
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	v := &verifier{
		base:   base,
		client: &http.Client{Timeout: *timeout},
	}
	origin, tree, err := v.run(*vkey, *prev)
	if err != nil {
		fmt.Printf("FAIL: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("OK %s size=%d root=%s\n", origin, tree.N, base64.StdEncoding.EncodeToString(tree.Hash[:]))
}

type verifier struct {
	base   string
	client *http.Client
	warned map[string]bool
}

func (v *verifier) warn(format string, args ...interface{}) {
	msg := fmt.Sprintf(format, args...)
	if v.warned == nil {
		v.warned = make(map[string]bool)
	}
	if !v.warned[msg] {
		v.warned[msg] = true
		fmt.Fprintf(os.Stderr, "WARN: %s\n", msg)
	}
}

// checkpoint is a parsed C2SP tlog-checkpoint body.
type checkpoint struct {
	Origin     string
	Tree       tlog.Tree
	Extensions []string
}

func (v *verifier) run(vkey, prevFile string) (string, tlog.Tree, error) {
	ver, err := note.NewVerifier(vkey)
	if err != nil {
		return "", tlog.Tree{}, failf("bad verifier key: %v", err)
	}
	verifiers := note.VerifierList(ver)

	// 1. The signed checkpoint.
	raw, status, err := v.get("checkpoint")
	if err != nil {
		return "", tlog.Tree{}, failf("fetching checkpoint: %v", err)
	}
	if status != http.StatusOK {
		return "", tlog.Tree{}, failf("fetching checkpoint: HTTP %d", status)
	}
	cp, err := openCheckpoint(raw, verifiers, ver.Name())
	if err != nil {
		return "", tlog.Tree{}, failf("checkpoint: %v", err)
	}
	tree := cp.Tree

	if tree.N == 0 {
		// tlog cannot represent the empty tree (TreeHash(0) is the zero hash,
		// and TileHashReader has no tiles to read); RFC 6962 defines the
		// empty root as SHA-256 of the empty string.
		if tree.Hash != tlog.Hash(sha256.Sum256(nil)) {
			return "", tlog.Tree{}, failf("empty tree root is %s, want SHA-256(\"\")", tree.Hash)
		}
		if prevFile != "" {
			if err := v.checkPrev(prevFile, verifiers, ver.Name(), tree, nil); err != nil {
				return "", tlog.Tree{}, err
			}
		}
		return cp.Origin, tree, nil
	}

	// 2. Hash tiles, authenticated by tlog against the signed root.
	hr := tlog.TileHashReader(tree, &tileReader{v: v})
	th, err := tlog.TreeHash(tree.N, hr)
	if err != nil {
		return "", tlog.Tree{}, failf("computing tree hash from tiles: %v", err)
	}
	if th != tree.Hash {
		return "", tlog.Tree{}, failf("tree hash from tiles %s != checkpoint root %s", th, tree.Hash)
	}

	// 3. Entry bundles: every entry must be the corresponding leaf.
	count, err := v.checkEntries(tree, hr)
	if err != nil {
		return "", tlog.Tree{}, err
	}
	if count != tree.N {
		return "", tlog.Tree{}, failf("entry bundles hold %d entries, checkpoint size is %d", count, tree.N)
	}

	// 4. Consistency with an earlier checkpoint.
	if prevFile != "" {
		if err := v.checkPrev(prevFile, verifiers, ver.Name(), tree, hr); err != nil {
			return "", tlog.Tree{}, err
		}
	}
	return cp.Origin, tree, nil
}

// openCheckpoint verifies the signed note and parses its C2SP checkpoint body.
func openCheckpoint(raw []byte, verifiers note.Verifiers, keyName string) (*checkpoint, error) {
	n, err := note.Open(raw, verifiers)
	if err != nil {
		return nil, fmt.Errorf("signed note does not verify: %v", err)
	}
	ok := false
	for _, s := range n.Sigs {
		if s.Name == keyName {
			ok = true
		}
	}
	if !ok {
		return nil, errors.New("no signature by the verifier key")
	}
	cp, err := parseCheckpoint(n.Text)
	if err != nil {
		return nil, err
	}
	if cp.Origin != keyName {
		return nil, fmt.Errorf("origin %q does not match verifier key name %q", cp.Origin, keyName)
	}
	return cp, nil
}

// parseCheckpoint parses a C2SP tlog-checkpoint note body:
//
//	<origin>\n<decimal tree size>\n<base64 root hash>\n[<extension line>\n]...
func parseCheckpoint(text string) (*checkpoint, error) {
	if !strings.HasSuffix(text, "\n") {
		return nil, errors.New("checkpoint body does not end in a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return nil, fmt.Errorf("checkpoint body has %d lines, want at least 3", len(lines))
	}
	origin, sizeStr, rootStr := lines[0], lines[1], lines[2]
	if origin == "" {
		return nil, errors.New("empty origin line")
	}
	if sizeStr == "" || (len(sizeStr) > 1 && sizeStr[0] == '0') || strings.TrimLeft(sizeStr, "0123456789") != "" {
		return nil, fmt.Errorf("malformed tree size %q (want decimal without leading zeros)", sizeStr)
	}
	size, err := strconv.ParseInt(sizeStr, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("malformed tree size %q: %v", sizeStr, err)
	}
	root, err := base64.StdEncoding.Strict().DecodeString(rootStr)
	if err != nil || len(root) != tlog.HashSize || base64.StdEncoding.EncodeToString(root) != rootStr {
		return nil, fmt.Errorf("malformed root hash %q (want standard base64 of %d bytes)", rootStr, tlog.HashSize)
	}
	for i, ext := range lines[3:] {
		if ext == "" {
			return nil, fmt.Errorf("empty extension line %d", i+1)
		}
	}
	cp := &checkpoint{Origin: origin, Extensions: lines[3:]}
	cp.Tree.N = size
	copy(cp.Tree.Hash[:], root)
	return cp, nil
}

func (v *verifier) checkPrev(file string, verifiers note.Verifiers, keyName string, tree tlog.Tree, hr tlog.HashReader) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return failf("reading -prev: %v", err)
	}
	prev, err := openCheckpoint(raw, verifiers, keyName)
	if err != nil {
		return failf("previous checkpoint: %v", err)
	}
	switch {
	case prev.Tree.N > tree.N:
		return failf("log shrank: previous checkpoint has size %d, current %d", prev.Tree.N, tree.N)
	case prev.Tree.N == 0:
		if prev.Tree.Hash != tlog.Hash(sha256.Sum256(nil)) {
			return failf("previous checkpoint: empty tree root is %s, want SHA-256(\"\")", prev.Tree.Hash)
		}
		return nil
	}
	proof, err := tlog.ProveTree(tree.N, prev.Tree.N, hr)
	if err != nil {
		return failf("building consistency proof %d -> %d from tiles: %v", prev.Tree.N, tree.N, err)
	}
	if err := tlog.CheckTree(proof, tree.N, tree.Hash, prev.Tree.N, prev.Tree.Hash); err != nil {
		return failf("current tree (size %d) is not consistent with previous checkpoint (size %d, root %s): %v",
			tree.N, prev.Tree.N, prev.Tree.Hash, err)
	}
	return nil
}

// checkEntries fetches every entry bundle and checks that entry i hashes to
// leaf i of the authenticated tree. It returns the number of entries seen.
func (v *verifier) checkEntries(tree tlog.Tree, hr tlog.HashReader) (int64, error) {
	var count int64
	for n := int64(0); n*tileWidth < tree.N; n++ {
		w := tree.N - n*tileWidth
		if w > tileWidth {
			w = tileWidth
		}
		path := "tile/entries/" + tileIndexPath(n, int(w))
		data, err := v.fetchTile(path, "tile/entries/"+tileIndexPath(n, tileWidth))
		if err != nil {
			return count, failf("entry bundle %s: %v", path, err)
		}
		entries, err := decodeBundle(data)
		if err != nil {
			return count, failf("entry bundle %s: %v", path, err)
		}
		if int64(len(entries)) < w {
			return count, failf("entry bundle %s: holds %d entries, want %d", path, len(entries), w)
		}
		if int64(len(entries)) > w {
			if strings.Contains(path, ".p/") {
				// Either the partial bundle itself is too wide, or we fell back to the full bundle.
				v.warn("entry bundle for %s was wider than requested (%d entries, using first %d)", path, len(entries), w)
			} else {
				return count, failf("entry bundle %s: holds %d entries, want %d", path, len(entries), w)
			}
			entries = entries[:w]
		}
		indexes := make([]int64, w)
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, n*tileWidth+int64(i))
		}
		hashes, err := hr.ReadHashes(indexes)
		if err != nil {
			return count, failf("reading leaf hashes %d..%d: %v", n*tileWidth, n*tileWidth+w-1, err)
		}
		if len(hashes) != len(indexes) {
			return count, failf("reading leaf hashes: got %d, want %d", len(hashes), len(indexes))
		}
		for i, e := range entries {
			if got := tlog.RecordHash(e); got != hashes[i] {
				return count, failf("entry %d: RecordHash %s != leaf hash %s in signed tree", n*tileWidth+int64(i), got, hashes[i])
			}
			count++
		}
	}
	return count, nil
}

// decodeBundle splits a C2SP entry bundle: a sequence of big-endian uint16
// length prefixes, each followed by that many bytes.
func decodeBundle(data []byte) ([][]byte, error) {
	var entries [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, fmt.Errorf("truncated length prefix after %d entries", len(entries))
		}
		l := int(binary.BigEndian.Uint16(data))
		data = data[2:]
		if len(data) < l {
			return nil, fmt.Errorf("entry %d: length %d exceeds remaining %d bytes", len(entries), l, len(data))
		}
		entries = append(entries, data[:l:l])
		data = data[l:]
	}
	return entries, nil
}

// tileIndexPath encodes a tile index N (and width W) as C2SP tlog-tiles does:
// N in zero-padded 3-digit groups, all but the last prefixed by "x",
// followed by ".p/<W>" for a partial tile (W < 256).
func tileIndexPath(n int64, w int) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		s = fmt.Sprintf("x%03d/%s", n%1000, s)
	}
	if w < tileWidth {
		s += fmt.Sprintf(".p/%d", w)
	}
	return s
}

// hashTilePath maps a tlog.Tile to its C2SP tlog-tiles path. tlog's own
// Tile.Path is "tile/<H>/<L>/<N>[.p/<W>]" (Go sumdb layout); C2SP omits H,
// which is always 8.
func hashTilePath(t tlog.Tile) (string, error) {
	if t.H != tileHeight || t.L < 0 {
		return "", fmt.Errorf("unexpected tile %+v", t)
	}
	p := fmt.Sprintf("tile/%d/%s", t.L, tileIndexPath(t.N, t.W))
	// Cross-check against tlog's encoding (which only differs by the height element).
	if want := "tile/" + strconv.Itoa(tileHeight) + "/" + strings.TrimPrefix(p, "tile/"); want != t.Path() {
		return "", fmt.Errorf("path encoding mismatch: %s vs tlog %s", want, t.Path())
	}
	return p, nil
}

// tileReader serves tlog's tile requests from the C2SP hash-tile endpoints.
// It caches raw responses; tlog re-authenticates tiles on every ReadHashes.
type tileReader struct {
	v     *verifier
	mu    sync.Mutex
	cache map[tlog.Tile][]byte
}

func (r *tileReader) Height() int { return tileHeight }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cache == nil {
		r.cache = make(map[tlog.Tile][]byte)
	}
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if d, ok := r.cache[t]; ok {
			out[i] = d
			continue
		}
		path, err := hashTilePath(t)
		if err != nil {
			return nil, err
		}
		full := fmt.Sprintf("tile/%d/%s", t.L, tileIndexPath(t.N, tileWidth))
		data, err := r.v.fetchTile(path, full)
		if err != nil {
			return nil, fmt.Errorf("hash tile %s: %v", path, err)
		}
		want := t.W * tlog.HashSize
		switch {
		case len(data) == want:
		case len(data) > want && len(data)%tlog.HashSize == 0 && len(data) <= tileWidth*tlog.HashSize && t.W < tileWidth:
			r.v.warn("hash tile for %s was %d hashes wide, using first %d", path, len(data)/tlog.HashSize, t.W)
			data = data[:want]
		default:
			return nil, fmt.Errorf("hash tile %s: %d bytes, want %d (%d hashes)", path, len(data), want, t.W)
		}
		r.cache[t] = data
		out[i] = data
	}
	return out, nil
}

func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// fetchTile GETs path. If path is a partial tile that is not found, C2SP
// tlog-tiles lets the client fall back to the full tile (partial tiles may be
// deleted once the full tile exists); that fallback is reported on stderr.
func (v *verifier) fetchTile(path, fullPath string) ([]byte, error) {
	data, status, err := v.get(path)
	if err != nil {
		return nil, err
	}
	if status == http.StatusOK {
		return data, nil
	}
	if status == http.StatusNotFound && path != fullPath {
		data2, status2, err := v.get(fullPath)
		if err != nil {
			return nil, err
		}
		if status2 == http.StatusOK {
			v.warn("partial tile %s is 404, fell back to full tile %s", path, fullPath)
			return data2, nil
		}
		return nil, fmt.Errorf("HTTP %d (and HTTP %d for full tile %s)", status, status2, fullPath)
	}
	return nil, fmt.Errorf("HTTP %d", status)
}

func (v *verifier) get(path string) ([]byte, int, error) {
	resp, err := v.client.Get(v.base + path)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, 0, err
	}
	if len(data) > maxResponse {
		return nil, 0, fmt.Errorf("response larger than %d bytes", maxResponse)
	}
	return data, resp.StatusCode, nil
}
