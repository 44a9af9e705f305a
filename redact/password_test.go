package redact

import (
	"strings"
	"testing"
)

func TestGeneratePasswordLengthAndClasses(t *testing.T) {
	for _, n := range []int{-1, 0, 6, 19, 20, 21, 64, 200} {
		p, err := GeneratePassword(n)
		if err != nil {
			t.Fatal(err)
		}
		if want := max(n, 20); len(p) != want {
			t.Fatalf("GeneratePassword(%d) has %d characters, want %d", n, len(p), want)
		}
		for _, class := range passwordClasses {
			if !strings.ContainsAny(p, class) {
				t.Fatalf("%q lacks a character from %q", p, class)
			}
		}
		for _, c := range p {
			if !strings.ContainsRune(upperChars+lowerChars+digitChars+PasswordSymbols, c) {
				t.Fatalf("%q has %q, outside the alphabet", p, c)
			}
		}
	}
	if _, err := GeneratePassword(1 << 20); err == nil {
		t.Fatal("accepted an absurd length")
	}
}

func TestGeneratePasswordNoRepeats(t *testing.T) {
	seen := make(map[string]bool)
	for range 5000 {
		p, _ := GeneratePassword(20)
		if seen[p] {
			t.Fatalf("repeated password %q", p)
		}
		seen[p] = true
	}
}

// Within each class every character should be about equally likely; modulo bias or a bad shuffle shows up as
// some characters far from the mean. Forced class characters also must not sit at fixed positions.
func TestGeneratePasswordDistribution(t *testing.T) {
	const rounds, n = 4000, 20
	counts := map[byte]int{}
	posSymbol := make([]int, n)
	for range rounds {
		p, _ := GeneratePassword(n)
		for i := 0; i < n; i++ {
			counts[p[i]]++
			if strings.IndexByte(PasswordSymbols, p[i]) >= 0 {
				posSymbol[i]++
			}
		}
	}
	for _, class := range passwordClasses {
		total := 0
		for i := 0; i < len(class); i++ {
			total += counts[class[i]]
		}
		mean := float64(total) / float64(len(class))
		for i := 0; i < len(class); i++ {
			if c := float64(counts[class[i]]); c < 0.8*mean || c > 1.2*mean {
				t.Errorf("%q drawn %v times, class mean %.0f", class[i], c, mean)
			}
		}
	}
	meanPos := 0.0
	for _, c := range posSymbol {
		meanPos += float64(c)
	}
	meanPos /= n
	for i, c := range posSymbol {
		if float64(c) < 0.75*meanPos || float64(c) > 1.25*meanPos {
			t.Errorf("symbols at position %d: %d, mean %.0f", i, c, meanPos)
		}
	}
}

func TestUniformIntnRejectsBias(t *testing.T) {
	// With n = 200, bytes 200..255 must be rejected, never folded onto 0..55.
	u := &uniform{}
	counts := make([]int, 200)
	for range 200000 {
		counts[u.intn(200)]++
	}
	low, high := 0, 0
	for i := range 56 {
		low += counts[i]
	}
	for i := 56; i < 112; i++ {
		high += counts[i]
	}
	if float64(low) > 1.1*float64(high) {
		t.Fatalf("values below 56 drawn %d times vs %d: modulo bias", low, high)
	}
}
