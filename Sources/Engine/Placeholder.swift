import FastDecode
