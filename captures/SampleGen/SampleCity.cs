namespace SegVerify.SampleGen;

/// <summary>
/// The bundled sample capture for topologies/sample-city.yaml: allowed traffic of every kind and at least one
/// finding of every id, with the labels (captures/sample-city.expected.json) of what was planted.
/// </summary>
public static class SampleCity
{
    public const string CaptureName = "sample-city.pcap";
    public const string LabelsName = "sample-city.expected.json";

    /// <summary>Writes the capture and its labels into <paramref name="outDir"/>; returns the number of frames.</summary>
    public static int Write(string outDir)
    {
        Directory.CreateDirectory(outDir);
        const string MnGw = "02:10:ff:ff:ff:01", LgGw = "02:20:ff:ff:ff:01", InGw = "02:30:ff:ff:ff:01";
        const string WebGw = "02:40:ff:ff:ff:01", ExtGw = "02:ee:ff:ff:ff:01";
        const int Smb = 445, Https = 443, Rdp = 3389, Smtp = 25, Dns = 53, Ntp = 123, Pop3 = 110;

        // mn-office (マイナンバー利用事務系), VLAN 110
        var mn1 = new Node("10.10.1.11", "02:10:00:01:00:11", MnGw, 110);
        var mnFs = new Node("10.10.0.20", "02:10:00:00:00:20", MnGw, 110);
        var mnRelay = new Node("10.10.0.5", "02:10:00:00:00:05", MnGw, 110);
        var mnDhcp = new Node("10.10.2.31", "02:10:00:00:00:31", MnGw, 110);          // registered_macs entry, no host
        var mnUnknown = new Node("10.10.3.3", "02:99:00:00:00:03", MnGw, 110);        // not registered
        var mnSpoof = new Node("10.10.0.5", "02:66:66:66:66:05", MnGw, 110);          // mn-relay's address, another MAC
        // lg-office (LGWAN接続系), VLAN 120
        var lg1 = new Node("10.20.1.11", "02:20:00:01:00:11", LgGw, 120);
        var lgMail = new Node("10.20.0.25", "02:20:00:00:00:25", LgGw, 120);
        var lgFs = new Node("10.20.0.60", "02:20:00:00:00:60", LgGw, 120);
        var stray = new Node("192.168.77.7", "02:77:00:00:00:07", LgGw, 120);         // address in no segment
        // inet-office (インターネット接続系), VLAN 130
        var vdi = new Node("10.30.0.50", "02:30:00:00:00:50", InGw, 130);
        var mailSan = new Node("10.30.0.25", "02:30:00:00:00:25", InGw, 130);
        var fileSan = new Node("10.30.0.60", "02:30:00:00:00:60", InGw, 130);
        var in1 = new Node("10.30.1.11", "02:30:00:01:00:11", InGw, 130);
        var in1v6 = new Node("2001:db8:30::11", "02:30:00:01:00:11", InGw, 130);
        // other zones, reached through routers
        var chukan = new Node("192.0.2.10", null, MnGw);                              // j-lis intermediate-server
        var legacy = new Node("192.0.2.200", null, LgGw);                             // j-lis, legacy-link's cidr
        var asp = new Node("172.17.0.10", null, LgGw);                                // lgwan (LGWAN-ASP)
        var www = new Node("198.51.100.10", "02:40:00:00:00:10", WebGw);              // public-web, untagged
        var ext = new Node("151.101.1.69", "02:ee:00:00:00:01", ExtGw);               // a web site on the Internet
        var extDns = new Node("1.1.1.1", null, MnGw);
        var extDns2 = new Node("1.0.0.1", null, InGw);
        var extV6 = new Node("2606:4700:4700::1111", null, InGw);

        var s = new Scenario("sample-city", new DateTime(2026, 4, 1, 9, 0, 0, DateTimeKind.Utc));

        // ---- allowed traffic: no finding ----
        s.Arp(mn1, "10.10.0.20");
        s.ArpReply(mnFs, mn1);
        s.TcpFlow(mn1, mnFs, Smb, sameSegment: true);
        s.Benign(("proto", "tcp"), ("src_ip", mn1.Ip), ("dst_ip", mnFs.Ip), ("dst_port", Smb), ("why", "intra-zone"));
        s.TcpFlow(mnDhcp, mnFs, Smb, sameSegment: true);
        s.Benign(("proto", "tcp"), ("src_ip", mnDhcp.Ip), ("dst_ip", mnFs.Ip), ("dst_port", Smb), ("why", "intra-zone, registered_macs terminal"));
        s.TcpFlow(mnRelay, chukan, Https);
        s.Benign(("proto", "tcp"), ("src_ip", mnRelay.Ip), ("dst_ip", chukan.Ip), ("dst_port", Https), ("allowed_by", "jlis-link"));
        s.TcpFlow(lg1, vdi, Rdp, rounds: 3);
        s.Benign(("proto", "tcp"), ("src_ip", lg1.Ip), ("dst_ip", vdi.Ip), ("dst_port", Rdp), ("allowed_by", "screen-transfer"));
        s.TcpFlow(mailSan, lgMail, Smtp);
        s.Benign(("proto", "tcp"), ("src_ip", mailSan.Ip), ("dst_ip", lgMail.Ip), ("dst_port", Smtp), ("allowed_by", "mail-text"));
        s.TcpFlow(fileSan, lgFs, Smb);
        s.Benign(("proto", "tcp"), ("src_ip", fileSan.Ip), ("dst_ip", lgFs.Ip), ("dst_port", Smb), ("allowed_by", "file-sanitization"));
        s.TcpFlow(lg1, asp, Https);
        s.Benign(("proto", "tcp"), ("src_ip", lg1.Ip), ("dst_ip", asp.Ip), ("dst_port", Https), ("why", "lgwan -> lgwan-wan (LGWAN-ASP)"));
        s.TcpFlow(in1, ext, Https);
        s.Benign(("proto", "tcp"), ("src_ip", in1.Ip), ("dst_ip", ext.Ip), ("dst_port", Https), ("why", "internet -> external (browsing)"));
        s.UdpFlow(in1, extDns2, Dns);
        s.Benign(("proto", "udp"), ("src_ip", in1.Ip), ("dst_ip", extDns2.Ip), ("dst_port", Dns), ("why", "internet -> external (DNS)"));
        s.TcpFlow(in1v6, extV6, Https);
        s.Benign(("proto", "tcp"), ("src_ip", in1v6.Ip), ("dst_ip", extV6.Ip), ("dst_port", Https), ("why", "IPv6 internet -> external"));
        s.Ping(in1v6, extV6);
        s.Benign(("proto", "icmpv6"), ("src_ip", in1v6.Ip), ("dst_ip", extV6.Ip), ("why", "ICMPv6 echo, internet -> external"));
        s.Ping(lg1, lgFs, sameSegment: true);
        s.Benign(("proto", "icmp"), ("src_ip", lg1.Ip), ("dst_ip", lgFs.Ip), ("why", "ICMP echo, intra-zone"));
        s.TcpFlow(ext, www, Https);
        s.Benign(("proto", "tcp"), ("src_ip", ext.Ip), ("dst_ip", www.Ip), ("dst_port", Https), ("allowed_by", "publish-www"));
        s.TcpFlow(in1, ext, Https, start: TcpStart.SynAck);
        s.Benign(("proto", "tcp"), ("src_ip", in1.Ip), ("dst_ip", ext.Ip), ("dst_port", Https), ("why", "seen from SYN+ACK"));

        // ---- violations and warnings ----
        s.UdpFlow(mn1, extDns, Dns);
        s.Expect(("rule", "mynumber-internet"), ("proto", "udp"), ("src_ip", mn1.Ip), ("dst_ip", extDns.Ip), ("dst_port", Dns), ("direction", "observed"));
        // UDP seen from the reply: the well-known port names the responder, so the direction is inferred
        s.UdpFlow(mnFs, extDns, Ntp, replyFirst: true);
        s.Expect(("rule", "mynumber-internet"), ("proto", "udp"), ("src_ip", mnFs.Ip), ("dst_ip", extDns.Ip), ("dst_port", Ntp), ("direction", "inferred"));
        s.TcpFlow(mn1, lgFs, Smb);
        s.Expect(("rule", "mynumber-isolation"), ("proto", "tcp"), ("src_ip", mn1.Ip), ("dst_ip", lgFs.Ip), ("dst_port", Smb), ("direction", "observed"));
        // a TCP flow seen mid-stream, server first: port 445 names the responder
        s.TcpFlow(in1, lgFs, Smb, start: TcpStart.MidServerFirst);
        s.Expect(("rule", "lgwan-internet-separation"), ("proto", "tcp"), ("src_ip", in1.Ip), ("dst_ip", lgFs.Ip), ("dst_port", Smb), ("direction", "inferred"));
        s.TcpFlow(vdi, lg1, Rdp);
        s.Expect(("rule", "sanitization-misuse"), ("proto", "tcp"), ("src_ip", vdi.Ip), ("dst_ip", lg1.Ip), ("dst_port", Rdp));
        // a TCP flow seen from its SYN+ACK: the receiver of the SYN+ACK opened it
        s.TcpFlow(lg1, www, Https, start: TcpStart.SynAck);
        s.Expect(("rule", "zone-crossing"), ("proto", "tcp"), ("src_ip", lg1.Ip), ("dst_ip", www.Ip), ("dst_port", Https), ("direction", "observed"));
        s.TcpFlow(mnUnknown, mnFs, Smb, sameSegment: true);
        s.Expect(("rule", "unregistered-device"), ("src_mac", mnUnknown.Mac!), ("src_ip", mnUnknown.Ip));
        s.TcpFlow(mnSpoof, chukan, Https);
        s.Expect(("rule", "mac-binding"), ("src_mac", mnSpoof.Mac!), ("src_ip", mnSpoof.Ip));
        s.Expect(("rule", "unregistered-device"), ("src_mac", mnSpoof.Mac!), ("src_ip", mnSpoof.Ip));
        s.TcpFlow(lg1, legacy, Https);
        s.Expect(("rule", "expired-exception"), ("proto", "tcp"), ("src_ip", lg1.Ip), ("dst_ip", legacy.Ip), ("dst_port", Https));
        s.TcpFlow(stray, lgFs, Smb, sameSegment: true);
        s.Expect(("rule", "unclassified-address"), ("any_ip", stray.Ip));
        s.TcpFlow(lg1, lgMail, Pop3, sameSegment: true);
        s.Expect(("rule", "undeclared-service"), ("proto", "tcp"), ("src_ip", lg1.Ip), ("dst_ip", lgMail.Ip), ("dst_port", Pop3));
        s.BulkTcp(lg1, vdi, Rdp, 600_000);
        s.Expect(("rule", "large-transfer"), ("proto", "tcp"), ("src_ip", lg1.Ip), ("dst_ip", vdi.Ip), ("dst_port", Rdp));
        s.TcpFlow(lg1, lgFs, Smb, sameSegment: true, clientVlan: 130);
        s.Expect(("rule", "vlan-mismatch"), ("src_ip", lg1.Ip), ("vlan", 130));
        s.Expect(("rule", "vlan-mismatch"), ("src_ip", lgFs.Ip), ("vlan", 130));

        s.WritePcap(Path.Combine(outDir, CaptureName));
        s.WriteExpected(Path.Combine(outDir, LabelsName));
        return s.FrameCount;
    }
}
