package main

// Self-test of the verifier against an in-process reference log built only
// from golang.org/x/mod/sumdb/tlog and sumdb/note, served in the C2SP
// tlog-tiles layout. It proves the verifier accepts a correct log and
// rejects the failure modes the chainmall test relies on, independently of
// the chainmall server.

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type refLog struct {
	signer  note.Signer
	vkey    string
	records [][]byte
	hashes  []tlog.Hash // stored hashes
	// knobs for negative tests
	dropPartial   bool              // 404 every partial tile / bundle
	override      map[string][]byte // path -> body
	omitLastEntry bool
}

func newRefLog(t *testing.T, name string) *refLog {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return &refLog{signer: s, vkey: vkey, override: map[string][]byte{}}
}

func (l *refLog) append(t *testing.T, n int) {
	for i := 0; i < n; i++ {
		rec := []byte(fmt.Sprintf(`{"n":%d,"pad":"%s"}`, len(l.records), strings.Repeat("x", len(l.records)%37)))
		h, err := tlog.StoredHashes(int64(len(l.records)), rec, l)
		if err != nil {
			t.Fatal(err)
		}
		l.records = append(l.records, rec)
		l.hashes = append(l.hashes, h...)
	}
}

func (l *refLog) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = l.hashes[x]
	}
	return out, nil
}

func (l *refLog) tree(t *testing.T) tlog.Tree {
	n := int64(len(l.records))
	h, err := tlog.TreeHash(n, l)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		h = tlog.Hash(sha256Empty())
	}
	return tlog.Tree{N: n, Hash: h}
}

func (l *refLog) checkpoint(t *testing.T) []byte {
	tr := l.tree(t)
	body := fmt.Sprintf("%s\n%d\n%s\n", l.signer.Name(), tr.N, base64.StdEncoding.EncodeToString(tr.Hash[:]))
	msg, err := note.Sign(&note.Note{Text: body}, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func (l *refLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/log/")
	if body, ok := l.override[p]; ok {
		w.Write(body)
		return
	}
	if p == "checkpoint" {
		w.Write(l.checkpoint(nil)) // nil *testing.T: tree() only uses it on error, which cannot happen here
		return
	}
	if l.dropPartial && strings.Contains(p, ".p/") {
		http.NotFound(w, r)
		return
	}
	N := int64(len(l.records))
	if strings.HasPrefix(p, "tile/entries/") {
		tile, err := tlog.ParseTilePath("tile/8/data/" + strings.TrimPrefix(p, "tile/entries/"))
		if err != nil || tile.N<<8+int64(tile.W) > N {
			http.NotFound(w, r)
			return
		}
		var buf []byte
		for i := tile.N << 8; i < tile.N<<8+int64(tile.W); i++ {
			if l.omitLastEntry && i == N-1 {
				break
			}
			buf = binary.BigEndian.AppendUint16(buf, uint16(len(l.records[i])))
			buf = append(buf, l.records[i]...)
		}
		w.Write(buf)
		return
	}
	if strings.HasPrefix(p, "tile/") {
		tile, err := tlog.ParseTilePath("tile/8/" + strings.TrimPrefix(p, "tile/"))
		if err != nil || tile.L < 0 || (tile.N<<8+int64(tile.W))<<(8*tile.L) > N {
			http.NotFound(w, r)
			return
		}
		data, err := tlog.ReadTileData(tile, l)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write(data)
		return
	}
	http.NotFound(w, r)
}

func sha256Empty() [32]byte {
	var h tlog.Hash
	b, _ := base64.StdEncoding.DecodeString("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
	copy(h[:], b)
	return h
}

func runVerifier(t *testing.T, l *refLog, vkey, prev string) (string, tlog.Tree, error) {
	srv := httptest.NewServer(l)
	defer srv.Close()
	v := &verifier{base: srv.URL + "/log/", client: srv.Client()}
	return v.run(vkey, prev)
}

func writePrev(t *testing.T, msg []byte) string {
	f := filepath.Join(t.TempDir(), "prev")
	if err := os.WriteFile(f, msg, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestAcceptSizes(t *testing.T) {
	l := newRefLog(t, "example.com/ref")
	sizes := []int{0, 1, 2, 255, 256, 257, 511, 512, 700, 65536, 65536 + 257}
	for _, n := range sizes {
		l.append(t, n-len(l.records))
		origin, tree, err := runVerifier(t, l, l.vkey, "")
		if err != nil {
			t.Fatalf("size %d: %v", n, err)
		}
		if origin != "example.com/ref" || tree.N != int64(n) {
			t.Fatalf("size %d: got %s %d", n, origin, tree.N)
		}
	}
}

func TestPrev(t *testing.T) {
	l := newRefLog(t, "example.com/ref")
	var prevs []string
	for _, n := range []int{0, 1, 100, 256, 300, 600, 1000} {
		l.append(t, n-len(l.records))
		prevs = append(prevs, writePrev(t, l.checkpoint(t)))
	}
	for i, p := range prevs {
		if _, _, err := runVerifier(t, l, l.vkey, p); err != nil {
			t.Fatalf("prev %d: %v", i, err)
		}
	}

	// A checkpoint from a different log with the same key is not consistent.
	other := &refLog{signer: l.signer, vkey: l.vkey, override: map[string][]byte{}}
	other.records = nil
	other.hashes = nil
	for i := 0; i < 500; i++ {
		rec := []byte(fmt.Sprintf("other %d", i))
		h, _ := tlog.StoredHashes(int64(i), rec, other)
		other.records = append(other.records, rec)
		other.hashes = append(other.hashes, h...)
	}
	if _, _, err := runVerifier(t, l, l.vkey, writePrev(t, other.checkpoint(t))); err == nil || !strings.Contains(err.Error(), "not consistent") {
		t.Fatalf("forked prev accepted: %v", err)
	}

	// A larger earlier checkpoint means the log shrank.
	l2 := newRefLog(t, "example.com/ref")
	l2.signer, l2.vkey = l.signer, l.vkey
	l2.records, l2.hashes = l.records[:10], l.hashes[:tlog.StoredHashCount(10)]
	if _, _, err := runVerifier(t, l2, l.vkey, prevs[len(prevs)-1]); err == nil || !strings.Contains(err.Error(), "shrank") {
		t.Fatalf("shrunk log accepted: %v", err)
	}

	// A prev signed by another key is rejected.
	stranger := newRefLog(t, "example.com/ref")
	stranger.append(t, 5)
	if _, _, err := runVerifier(t, l, l.vkey, writePrev(t, stranger.checkpoint(t))); err == nil {
		t.Fatal("prev signed by another key accepted")
	}
	// A tampered prev is rejected.
	tampered := strings.Replace(string(l.checkpoint(t)), "\n1000\n", "\n999\n", 1)
	if _, _, err := runVerifier(t, l, l.vkey, writePrev(t, []byte(tampered))); err == nil {
		t.Fatal("tampered prev accepted")
	}
}

func TestReject(t *testing.T) {
	l := newRefLog(t, "example.com/ref")
	l.append(t, 700)

	other := newRefLog(t, "example.com/ref")
	if _, _, err := runVerifier(t, l, other.vkey, ""); err == nil {
		t.Error("wrong key (same name) accepted")
	}
	otherName := newRefLog(t, "example.com/other")
	if _, _, err := runVerifier(t, l, otherName.vkey, ""); err == nil {
		t.Error("wrong key (other name) accepted")
	}

	// Tampered hash tile (level 0, full).
	bad, _ := tlog.ReadTileData(tlog.Tile{H: 8, L: 0, N: 1, W: 256}, l)
	bad[5] ^= 1
	l.override["tile/0/001"] = bad
	if _, _, err := runVerifier(t, l, l.vkey, ""); err == nil {
		t.Error("tampered hash tile accepted")
	}
	delete(l.override, "tile/0/001")

	// Tampered entry.
	orig := l.records[300]
	l.records[300] = []byte("evil")
	if _, _, err := runVerifier(t, l, l.vkey, ""); err == nil || !strings.Contains(err.Error(), "entry 300") {
		t.Errorf("tampered entry accepted: %v", err)
	}
	l.records[300] = orig

	// Missing entry.
	l.omitLastEntry = true
	if _, _, err := runVerifier(t, l, l.vkey, ""); err == nil {
		t.Error("missing entry accepted")
	}
	l.omitLastEntry = false

	// Origin not matching key name.
	tr := l.tree(t)
	body := fmt.Sprintf("%s\n%d\n%s\n", "example.com/elsewhere", tr.N, base64.StdEncoding.EncodeToString(tr.Hash[:]))
	msg, _ := note.Sign(&note.Note{Text: body}, l.signer)
	l.override["checkpoint"] = msg
	if _, _, err := runVerifier(t, l, l.vkey, ""); err == nil || !strings.Contains(err.Error(), "origin") {
		t.Errorf("mismatched origin accepted: %v", err)
	}
	// Old Go sumdb tree header is not a C2SP checkpoint.
	msg, _ = note.Sign(&note.Note{Text: string(tlog.FormatTree(tr))}, l.signer)
	l.override["checkpoint"] = msg
	if _, _, err := runVerifier(t, l, l.vkey, ""); err == nil {
		t.Error("go.sum database tree format accepted")
	}
	delete(l.override, "checkpoint")

	// Sanity: accepted again once everything is restored.
	if _, _, err := runVerifier(t, l, l.vkey, ""); err != nil {
		t.Fatal(err)
	}
}

func TestPartialFallback(t *testing.T) {
	l := newRefLog(t, "example.com/ref")
	l.append(t, 600)
	l.dropPartial = true
	if _, _, err := runVerifier(t, l, l.vkey, ""); err != nil {
		// Full tiles don't exist for the last, partial, tile either, so this must fail.
		if !strings.Contains(err.Error(), "HTTP 404") {
			t.Fatal(err)
		}
	} else {
		t.Fatal("log without partial tiles accepted")
	}
}

func TestPaths(t *testing.T) {
	for _, c := range []struct {
		t    tlog.Tile
		want string
	}{
		{tlog.Tile{H: 8, L: 0, N: 1234, W: 5}, "tile/0/x001/234.p/5"},
		{tlog.Tile{H: 8, L: 1, N: 0, W: 256}, "tile/1/000"},
		{tlog.Tile{H: 8, L: 2, N: 1234067, W: 256}, "tile/2/x001/x234/067"},
	} {
		got, err := hashTilePath(c.t)
		if err != nil || got != c.want {
			t.Errorf("%+v: %q %v, want %q", c.t, got, err, c.want)
		}
	}
	if got := "tile/entries/" + tileIndexPath(1234, 7); got != "tile/entries/x001/234.p/7" {
		t.Errorf("entries path %q", got)
	}
}
