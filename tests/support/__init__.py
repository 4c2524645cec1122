"""Helpers the tests share: fakes, real servers, the browser, file makers, the egress guard. No tests here."""
