// Generates go-table.tsv: what real Go's time.ParseDuration returns for a fixed set of inputs.
// Run with scripts/gen-duration-table.sh (needs a Go toolchain; the output is committed).
// Each line: JSON-quoted input, TAB, "ok" or "err", TAB, nanoseconds (ok) or Go's message (err).
package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"time"
)

var fixed = []string{
	"", "0", "+0", "-0", "00", "0s", "1s", "50s", "50", "-5s", "+5s", "1m30s", "90s", "1h", "1.5h",
	"1.5s", "1500ms", "2000ms", "300ms", ".5s", "5.s", ".s", "-.s", "1.", "1.s", "s", "-", "+",
	"1d", "1w", "1y", "1m 30s", " 1s", "1s ", "1S", "1Ms", "1ns", "1us", "1µs", "1μs", "1ms",
	"1h2m3.5s", "1h45m", "3h30m", "1.12345678901234567890s", "0.000000001s", "0.0000000001s",
	"9223372036854775807ns", "9223372036854775808ns", "-9223372036854775808ns",
	"-9223372036854775809ns", "2562047h", "2562048h", "2562047h47m16.854775807s",
	"2562047h47m16.854775808s", "-2562047h47m16.854775808s", "9223372036854775807", "1e3s",
	"0x10s", "1_000s", "１s", "1s1", "1s.", "1..5s", "1.5.5s", "--1s", "+-1s", "1h-1m", "50sec",
	"5mins", "1.0000000000000000000000001h", ".0000000000000000000000000001h", "0.5m", "1.5µs",
	"3.000000001s", "100000000000000000000ns", "9223372036.854775807s", "9223372036.854775808s",
	"1m0s", "60s", "3600s", "0h0m0s", "0.0s", "-0.0s", "1.0s", "1h0.5m", "1sms", "1s1ms1us1ns",
	"1\"s", "\\1s", "5s\\", "\"", "1\ts", "1s\n", "\x7f", "1\x01s",
	"-9223372036.854775808s", "-9223372036.854775809s", "-2562047h47m16.854775808s", "9223372036854775807ns1ns",
}

func main() {
	cases := append([]string{}, fixed...)
	r := rand.New(rand.NewSource(20261124))
	units := []string{"ns", "us", "µs", "μs", "ms", "s", "m", "h", "d", "", "S", "x"}
	for i := 0; i < 1500; i++ {
		var b strings.Builder
		switch r.Intn(6) {
		case 0:
			b.WriteString("-")
		case 1:
			b.WriteString("+")
		}
		parts := 1 + r.Intn(3)
		for p := 0; p < parts; p++ {
			digits := r.Intn(4)
			if r.Intn(20) == 0 {
				digits = 15 + r.Intn(8)
			}
			for d := 0; d < digits; d++ {
				b.WriteByte(byte('0' + r.Intn(10)))
			}
			if r.Intn(3) == 0 {
				b.WriteByte('.')
				for d := r.Intn(4); d > 0; d-- {
					b.WriteByte(byte('0' + r.Intn(10)))
				}
			}
			b.WriteString(units[r.Intn(len(units))])
		}
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		q, _ := json.Marshal(c)
		d, err := time.ParseDuration(c)
		if err != nil {
			fmt.Fprintf(os.Stdout, "%s\terr\t%s\n", q, err.Error())
		} else {
			fmt.Fprintf(os.Stdout, "%s\tok\t%d\n", q, int64(d))
		}
	}
}
