// Every test file runs with the network closed except loopback: no test may reach the
// internet, and none may contact a reported host (see contract §7).
import nock from 'nock';

nock.disableNetConnect();
nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\]|::1)(:\d+)?$/.test(host));
