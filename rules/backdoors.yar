/*
 * netvet back-door rule pack: one rule per back door or hard-coded credential published for
 * network equipment (catalogue in ../shared/reference/firmware.md §7, entries 1-28).
 * Indicators are the published ones; each rule's metadata names the advisory and source.
 *
 * Metadata every rule carries:
 *   id          stable rule id (NV-BD-nnnn)
 *   description what the rule means when it matches
 *   severity    info | low | medium | high | critical
 *   confidence  high | medium | low (low: the indicator is unverified or generic)
 *   cve         advisory id, or "none"
 *   vendor, product, source
 *   references  requirement clauses the finding bears on (comma separated)
 *
 * Passwords and account names are also matched in UTF-16 (`wide`) and base64 (`_b64`
 * companions: a web page's Basic-auth header, a JSON or shell value), where they are long
 * enough (8 characters or more) for the encoded forms to be distinctive.
 *
 * Entries with no static indicator are not rules (said here so the gap is visible):
 *   #2  CVE-2015-7756 Juniper ScreenOS Dual_EC Q: the replaced Q values were not captured.
 *   #18 CVE-2023-20198 Cisco IOS XE "BadCandy": detectable only on a running device.
 */

import "hash"

rule juniper_screenos_master_password {
  meta:
    id = "NV-BD-0001"
    description = "Juniper ScreenOS master password accepted for any user over SSH/telnet"
    severity = "critical"
    confidence = "high"
    cve = "CVE-2015-7755"
    vendor = "Juniper"
    product = "NetScreen ScreenOS 6.2.0r15-r18, 6.3.0r12-r20"
    source = "Tenable NASL 87601; Rapid7 analysis (2015)"
    references = "3gpp:33.117:4.2.3.4.2.3"
  strings:
    $pw = "<<< %s(un='%s') = %u"
  condition:
    $pw
}

rule fortinet_fortimanager_access {
  meta:
    id = "NV-BD-0003"
    description = "FortiOS hidden SSH account Fortimanager_Access with a static challenge-response secret"
    severity = "critical"
    confidence = "high"
    cve = "CVE-2016-1909"
    vendor = "Fortinet"
    product = "FortiOS 4.x to 5.0.7"
    source = "Public PoCs; Greenbone and Tenable checks (2016)"
    references = "3gpp:33.117:4.2.3.4.2.3"
  strings:
    $user = "Fortimanager_Access"
    $secret = "FGTAbc11*xy+Qqz27"
    $const = { A3 88 BA 2E 42 4C B0 4A 53 79 30 C1 31 07 CC 3F A1 32 90 29 A9 81 5B 70 }
  condition:
    $user and ($secret or $const)
}

rule zyxel_zyfwp_account {
  meta:
    id = "NV-BD-0004"
    description = "Zyxel firewall hard-coded administrator zyfwp with plaintext password"
    severity = "critical"
    confidence = "high"
    cve = "CVE-2020-29583"
    vendor = "Zyxel"
    product = "USG/ATP/USG FLEX/VPN/ZyWALL, NXC; ZLD V4.60 Patch 0"
    source = "EYE research (Niels Teusink), December 2020"
    references = "3gpp:33.117:4.2.3.4.2.3"
  strings:
    $pw = "PrOw!aN_fXp" ascii wide
    $pw_b64 = "PrOw!aN_fXp" base64 base64wide
    $user = "zyfwp"
  condition:
    any of them
}

rule zyxel_pk5001z_su_password {
  meta:
    id = "NV-BD-0005"
    description = "ZyXEL PK5001Z su root password and backup telnet credentials"
    severity = "critical"
    confidence = "high"
    cve = "CVE-2016-10401"
    vendor = "ZyXEL"
    product = "PK5001Z (CenturyLink/Qwest)"
    source = "NVD CVE-2016-10401; Greenbone NASL"
    references = "3gpp:33.117:4.2.3.4.2.3"
  strings:
    $su = "zyad5001" ascii wide
    $t1 = "CenturyL1nk" ascii wide
    $t2 = "QwestM0dem" ascii wide
    $t3 = "CentryL1nk" ascii wide
    $su_b64 = "zyad5001" base64 base64wide
    $t1_b64 = "CenturyL1nk" base64 base64wide
    $t2_b64 = "QwestM0dem" base64 base64wide
    $t3_b64 = "CentryL1nk" base64 base64wide
  condition:
    any of them
}

rule zyxel_nas_rescue_account {
  meta:
    id = "NV-BD-0006"
    description = "Zyxel NAS remote_help-cgi creates the root back-door account NsaRescueAngel"
    severity = "critical"
    confidence = "high"
    cve = "CVE-2024-29972"
    vendor = "Zyxel"
    product = "NAS326, NAS542"
    source = "Outpost24 (Timothy Hjort), 2024"
    references = "3gpp:33.117:4.2.3.4.2.3,3gpp:33.117:4.2.3.4.1.1"
  strings:
    $acct = "NsaRescueAngel" ascii wide
    $acct_b64 = "NsaRescueAngel" base64 base64wide
  condition:
    any of them
}

rule dlink_alpha_thttpd_user_agent {
  meta:
    id = "NV-BD-0007"
    description = "Alpha Networks thttpd skips authentication for User-Agent xmlset_roodkcableoj28840ybtide"
    severity = "critical"
    confidence = "high"
    cve = "CVE-2013-6026"
    vendor = "D-Link / Alpha Networks / Planex"
    product = "DIR-100, DIR-120, DI-524, DI-604 and others"
    source = "devttys0 blog (2013); FACT rule DLink_Bug"
    references = "3gpp:33.117:4.2.3.4.1.1"
  strings:
    $ua = "xmlset_roodkcableoj28840ybtide"
  condition:
    $ua
}

rule tenda_mfg_udp_backdoor {
  meta:
    id = "NV-BD-0008"
    description = "Tenda httpd MfgThread: UDP 7329 packets starting w302r_mfg run commands as root"
    severity = "critical"
    confidence = "high"
    cve = "none"
    vendor = "Tenda / Medialink"
    product = "W302R, W330R, W301R, W311R, W368R, 3G611R"
    source = "devttys0 'From China, with love' (2013); nmap tenda-backdoor"
    references = "3gpp:33.117:4.2.3.4.1.1,3gpp:33.117:4.3.2.1"
  strings:
    $a = "w302r_mfg"
    $b = "rlink_mfg"
  condition:
    any of them
}

rule netcore_igdmptd {
  meta:
    id = "NV-BD-0009"
    description = "Netcore/Netis igdmptd: WAN-reachable UDP 53413 service guarded by one shared password"
    severity = "critical"
    confidence = "medium"
    cve = "none"
    vendor = "Netcore / Netis"
    product = "routers with igdmptd"
    source = "Trend Micro (2014); RouterSploit; Greenbone NASL 105075"
    references = "3gpp:33.117:4.3.2.1,3gpp:33.117:4.2.3.4.2.3"
  strings:
    $name = "igdmptd"
    $banner = "IGD MPT Interface daemon"
    $inetd = /igdmptd\s+dgram\s+udp/
  condition:
    $banner or $inetd or (#name > 2 and filesize < 2MB)
}

rule sercomm_scfgmgr_tcp32764 {
  meta:
    id = "NV-BD-0010"
    description = "Sercomm scfgmgr on TCP 32764: unauthenticated NVRAM dump, set and factory reset (ScMM/MMcS)"
    severity = "critical"
    confidence = "high"
    cve = "CVE-2014-0659"
    vendor = "Sercomm (Cisco, Linksys, Netgear, Diamond brands)"
    product = "DSL gateways (WAG200G, DGN1000 and others)"
    source = "Synacktiv (Eloi Vanderbeken) 'TCP-32764'; cisco-sa-20140110-sbd"
    references = "3gpp:33.117:4.2.3.4.1.1,3gpp:33.117:4.3.2.1"
  strings:
    $bin = "scfgmgr"
    $m1 = "ScMM"
    $m2 = "MMcS"
    $reopen = "scfgmgr -f"
  condition:
    ($bin and ($m1 or $m2)) or $reopen
}

rule tplink_debug_pages {
  meta:
    id = "NV-BD-0011"
    description = "TP-Link httpd debug pages (start_art.html, linux_cmdline.html) with hard-coded osteam/5up"
    severity = "critical"
    confidence = "high"
    cve = "none"
    vendor = "TP-Link"
    product = "TL-WR740N v1/v2 and other models (2013)"
    source = "SANS ISC diary; public decompilation of httpd"
    references = "3gpp:33.117:4.2.3.4.1.1,3gpp:33.117:4.3.2.4"
  strings:
    $dir = "userRpmNatDebugRpm26525557"
    $user = "osteam"
    $pw = "5up"
  condition:
    $dir or ($user and $pw)
}

rule zte_web_shell_cmd {
  meta:
    id = "NV-BD-0012"
    description = "ZTE ONT web page web_shell_cmd.gch runs shell commands without login"
    severity = "critical"
    confidence = "high"
    cve = "CVE-2014-2321"
    vendor = "ZTE"
    product = "F460, F660 ONTs; ZXHN variants"
    source = "CERT/CC VU#600724; Rapid7 R7-2013-18"
    references = "3gpp:33.117:4.2.3.4.1.1,3gpp:33.117:4.3.2.4"
  strings:
    $page = "web_shell_cmd.gch"
    $text = "please input shell command" nocase
  condition:
    any of them
}

rule zte_telnet_root_default {
  meta:
    id = "NV-BD-0013"
    description = "ZTE ISP gateway telnet root password Zte521 (single report, unverified across models)"
    severity = "high"
    confidence = "low"
    cve = "none"
    vendor = "ZTE"
    product = "ZXHN ISP gateways (e.g. F600W)"
    source = "CNX Software (2016), one user report"
    references = "3gpp:33.117:4.2.3.4.2.3"
  strings:
    $pw = "Zte521"
  condition:
    $pw
}

rule huawei_hg532_tr064 {
  meta:
    id = "NV-BD-0014"
    description = "Huawei HG532 TR-064 DeviceUpgrade_1 with built-in digest account dslf-config (command injection)"
    severity = "critical"
    confidence = "high"
    cve = "CVE-2017-17215"
    vendor = "Huawei"
    product = "HG532 home gateway"
    source = "Check Point Research (2017); Satori and Mozi samples"
    references = "3gpp:33.117:4.2.3.4.2.3"
  strings:
    $upgrade = "DeviceUpgrade_1"
    $user = "dslf-config"
    $realm = "HuaweiHomeGateway"
  condition:
    $upgrade and ($user or $realm)
}

rule huawei_ont_telecomadmin {
  meta:
    id = "NV-BD-0015"
    description = "ISP super-administrator telecomadmin/admintelecom in Huawei ONT defaults (unverified per version)"
    severity = "high"
    confidence = "medium"
    cve = "none"
    vendor = "Huawei"
    product = "HG8245-family ONTs"
    source = "Widely listed ISP default; botnet credential lists"
    references = "3gpp:33.117:4.2.3.4.2.3"
  strings:
    $user = "telecomadmin" ascii wide
    $pw = "admintelecom" ascii wide
    $user_b64 = "telecomadmin" base64 base64wide
    $pw_b64 = "admintelecom" base64 base64wide
  condition:
    any of ($user*) and any of ($pw*)
}

rule cisco_iosxe_cisco_privilege15 {
  meta:
    id = "NV-BD-0016"
    description = "Cisco IOS XE undocumented privilege-15 account 'cisco' in the default configuration"
    severity = "critical"
    confidence = "high"
    cve = "CVE-2018-0150"
    vendor = "Cisco"
    product = "IOS XE 16.x before the fixed release"
    source = "cisco-sa-20180328-xesc"
    references = "3gpp:33.117:4.2.3.4.2.2,3gpp:33.117:4.2.3.4.2.3"
  strings:
    $cfg = /username cisco privilege 15/
  condition:
    $cfg
}

rule cisco_ftd_static_accounts {
  meta:
    id = "NV-BD-0017"
    description = "Cisco FTD static accounts with hard-coded passwords (account list from secondary sources)"
    severity = "high"
    confidence = "medium"
    cve = "CVE-2024-20412"
    vendor = "Cisco"
    product = "Firepower Threat Defense on Firepower 1000/2100/3100/4200"
    source = "cisco-sa-ftd-statcred-dFC8tXT5; account names from secondary sources"
    references = "3gpp:33.117:4.2.3.4.2.3"
  strings:
    $a = "csm_processes"
    $b = "sftop10user"
    $c = "Sourcefire"
    $d = /\bSRU:/
  condition:
    2 of them
}

rule cisco_synful_knock_trigger {
  meta:
    id = "NV-BD-0019"
    description = "Possible SYNful Knock implant: IOS image with the 0xC123D SEQ/ACK trigger constant"
    severity = "high"
    confidence = "low"
    cve = "none"
    vendor = "Cisco"
    product = "IOS on 1841, 2811, 3825 (implanted images)"
    source = "FireEye/Mandiant and Cisco Talos (2015); constant from secondary sources"
    references = "3gpp:33.117:4.2.3.3.5"
  strings:
    $ios = "Cisco IOS Software"
    $be = { 00 0C 12 3D }
    $le = { 3D 12 0C 00 }
  condition:
    $ios and ($be or $le)
}

rule xz_liblzma_backdoor {
  meta:
    id = "NV-BD-0020"
    description = "xz-utils/liblzma 5.6.0/5.6.1 back door (function prologue and byte patterns of the injected code)"
    severity = "critical"
    confidence = "high"
    cve = "CVE-2024-3094"
    vendor = "xz-utils"
    product = "liblzma 5.6.0, 5.6.1"
    source = "Openwall oss-security 2024/03/29 (detect.sh); FACT and Elastic rules"
    references = "3gpp:33.117:4.2.3.3.5"
  strings:
    $prologue = { F3 0F 1E FA 55 48 89 F5 4C 89 CE 53 89 FB 81 E7 00 00 00 80 48 83 EC 28 48 89 54 24 18 48 89 4C 24 10 }
    $p1 = { 48 8D 7C 24 08 F3 AB 48 8D 44 24 08 48 89 D1 4C 89 C7 48 89 C2 E8 ?? ?? ?? ?? 89 C2 }
    $p2 = { 4D 8B 6C 24 08 45 8B 3C 24 4C 8B 63 10 89 85 78 F1 FF FF 31 C0 83 BD 78 F1 FF FF 00 F3 AB 79 07 }
    $p3 = { 31 C0 49 89 FF B9 16 00 00 00 4D 89 C5 48 8D 7C 24 48 4D 89 CE F3 AB 48 8D 44 24 48 }
  condition:
    uint32(0) == 0x464c457f and ($prologue or 2 of ($p*))
}

rule netgear_telnetenable_gearguy {
  meta:
    id = "NV-BD-0021"
    description = "Netgear telnetenabled magic probe credentials Gearguy/Geardog"
    severity = "high"
    confidence = "high"
    cve = "none"
    vendor = "Netgear"
    product = "consumer routers and APs with telnetenabled"
    source = "OpenWrt community telnetenable tools"
    references = "3gpp:33.117:4.2.3.4.2.3,3gpp:33.117:4.3.2.1"
  strings:
    $u = "Gearguy"
    $p = "Geardog"
  condition:
    $u and $p
}

rule tenda_ac15_telnet_password {
  meta:
    id = "NV-BD-0022"
    description = "Tenda AC15 hard-coded telnet root password (the often-quoted value is unverified)"
    severity = "high"
    confidence = "low"
    cve = "CVE-2020-10988"
    vendor = "Tenda"
    product = "AC15 AC1900 (and AC18)"
    source = "Independent Security Evaluators (2020) via The Daily Swig; password unverified"
    references = "3gpp:33.117:4.2.3.4.2.3"
  strings:
    $pw = "Fireitup" ascii wide
    $pw_b64 = "Fireitup" base64 base64wide
  condition:
    any of them
}

rule netgear_r7000_httpd_cgi_injection {
  meta:
    id = "NV-BD-0023"
    description = "Netgear httpd vulnerable to /cgi-bin/;<command> (identified by file hash)"
    severity = "critical"
    confidence = "high"
    cve = "CVE-2016-6277"
    vendor = "Netgear"
    product = "R7000, R6400 and others"
    source = "FACT rule book (hash of /usr/sbin/httpd)"
    references = "3gpp:33.117:4.4.3"
  condition:
    hash.sha256(0, filesize) == "7579d10e812905e134cf91ad8eef7b08f87f6f8c8e004ebefa441781fea0ec4a"
}

rule hikvision_auth_bypass_key {
  meta:
    id = "NV-BD-0024"
    description = "Hikvision auth bypass token and configuration-file AES key"
    severity = "high"
    confidence = "high"
    cve = "CVE-2017-7921"
    vendor = "Hikvision"
    product = "IP cameras"
    source = "Public exploit code (2017)"
    references = "3gpp:33.117:4.2.3.4.1.1"
  strings:
    $auth = "YWRtaW46MTEK"
    $key = { 27 99 77 F6 2F 6C FD 2D 91 CD 75 B8 89 CE 0C 9A }
    $keyhex = "279977f62f6cfd2d91cd75b889ce0c9a" nocase
  condition:
    any of them
}

rule belkin_dev_cgi {
  meta:
    id = "NV-BD-0025"
    description = "Belkin dev.htm / dev.cgi?c=<cmd> web shell running commands as root"
    severity = "critical"
    confidence = "medium"
    cve = "none"
    vendor = "Belkin"
    product = "F9K1102 firmware 3.04.06-3.04.13"
    source = "HITB 2018, 'Hunting for Backdoors in IoT Firmware at Unprecedented Scale'"
    references = "3gpp:33.117:4.2.3.4.1.1,3gpp:33.117:4.3.2.4"
  strings:
    $cgi = "dev.cgi?c="
  condition:
    $cgi
}

rule vsftpd_234_smiley_backdoor {
  meta:
    id = "NV-BD-0026"
    description = "vsftpd 2.3.4: the trojaned source tarball opened a root shell on TCP 6200 for users with ':)' (version string only; the clean 2.3.4 carries it too)"
    severity = "medium"
    confidence = "low"
    cve = "CVE-2011-2523"
    vendor = "vsftpd"
    product = "vsftpd 2.3.4 (trojaned tarball, 2011)"
    source = "scarybeastsecurity (2011)"
    references = "3gpp:33.117:4.3.2.5"
  strings:
    $v = "vsFTPd 2.3.4"
  condition:
    $v
}

rule proftpd_acidbitchez {
  meta:
    id = "NV-BD-0027"
    description = "ProFTPD 1.3.3c compromised tarball: HELP ACIDBITCHEZ spawns a root shell"
    severity = "critical"
    confidence = "high"
    cve = "none"
    vendor = "ProFTPD"
    product = "ProFTPD 1.3.3c (compromised distribution, 2010)"
    source = "CCS 2013 paper as cited by binsec/rosarum"
    references = "3gpp:33.117:4.2.3.4.1.1"
  strings:
    $s = "ACIDBITCHEZ"
  condition:
    $s
}

rule php_zerodium_user_agentt {
  meta:
    id = "NV-BD-0028"
    description = "PHP 8.1.0-dev malicious commit: header User-Agentt: zerodium<code> executes PHP"
    severity = "critical"
    confidence = "medium"
    cve = "none"
    vendor = "PHP"
    product = "php-src 8.1.0-dev (2021)"
    source = "binsec/rosarum, with a 2023 paper reference"
    references = "3gpp:33.117:4.2.3.3.5"
  strings:
    $z = "zerodium"
    $h = "HTTP_USER_AGENTT"
  condition:
    $z and $h
}
