// Package e2e holds browser end-to-end tests (chromedp + Chromium). They run
// when PSGATE_TEST_CHROMIUM names a Chromium binary and skip otherwise (fail
// when PSGATE_TEST_REQUIRE=1).
package e2e
